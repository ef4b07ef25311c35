"""What the browser journeys do in a page: screenshots at both sizes, axe-core, Tom Select, actions."""

import struct
import zlib
from pathlib import Path

from django.conf import settings

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

SCREENSHOTS = Path(settings.BASE_DIR) / "build" / "screenshots"
AXE_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"


def shots(page, name: str) -> None:
    """Save the page at both sizes (full page) as build/screenshots/<name>-desktop.png and -phone.png,
    then put the viewport back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png", full_page=True, animations="disabled")
    page.set_viewport_size(before)


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations on the page with the given impacts."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated through the DevTools protocol, which the site's Content-Security-Policy (rightly
        # forbidding injected <script> tags) does not apply to.
        page.evaluate(AXE_JS.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            resultTypes: ["violations"],
        })).violations"""
    )
    return [v for v in violations if v["impact"] in impacts]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}"
        for v in violations
    )
    assert not violations, f"axe-core on {page.url}:\n{report}"


def tom_select(page, select_id: str, text: str) -> None:
    """Pick ``text`` in a searchable select (Tom Select) the way a person does: type, then Enter."""
    page.locator(f".ts-wrapper:has(#{select_id}-ts-control) .ts-control").click()
    page.keyboard.type(text)
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=text).first.click()


def open_action(page, label: str):
    """Open the action ``label`` in the risk's action panel and return its form."""
    header = page.locator("#actions .accordion-button", has_text=label)
    if header.get_attribute("aria-expanded") != "true":
        header.click()
    form = page.locator(f"#act-{header.get_attribute('aria-controls').removeprefix('act-')} form")
    form.wait_for(state="visible")
    return form


def act(page, label: str, fields: dict | None = None, files: dict | None = None) -> None:
    """Do the workflow action ``label`` on the risk page the way a person does: open it, fill the
    fields (by their labels), press its button, and wait for the message that it was done."""
    form = open_action(page, label)
    for field, value in (fields or {}).items():
        form.get_by_label(field).fill(value)
    for field, path in (files or {}).items():
        form.get_by_label(field).set_input_files(path)
    form.get_by_role("button", name=label).click()
    page.get_by_text(f"已{label}。").wait_for()


def png_file(path: Path, width: int = 48, height: int = 32) -> Path:
    """A real (decodable) PNG photo: orange with a darker band, so the thumbnail shows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + (b"\xc2\x41\x0c" if height // 3 <= y < 2 * height // 3 else b"\xfb\x92\x3c") * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path
