"""The project's plumbing: compose file, settings guard, pinned requirements, front-end files.

These run the project's own tools in subprocesses, so they test what a deployment would see,
not the settings pytest-django has already loaded.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# The paths templates use ({% static '...' %}); README.md lists the same ones.
VENDOR_FILES = [
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/font/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/font/fonts/bootstrap-icons.woff2",
    "vendor/htmx/htmx.min.js",
    "vendor/echarts/echarts.min.js",
    "vendor/tom-select/css/tom-select.bootstrap5.min.css",
    "vendor/tom-select/js/tom-select.complete.min.js",
    "vendor/flatpickr/flatpickr.min.css",
    "vendor/flatpickr/flatpickr.min.js",
    "vendor/flatpickr/l10n/zh.js",
]

# Package registries' host names, assembled so that this file does not contain them either.
REGISTRY_HOSTS = [
    ".".join(parts)
    for parts in (
        ("registry", "npmjs", "org"),
        ("registry", "yarnpkg", "com"),
        ("pypi", "org"),
        ("pypi", "python", "org"),
        ("files", "pythonhosted", "org"),
        ("deb", "debian", "org"),
        ("security", "debian", "org"),
        ("proxy", "golang", "org"),
    )
]

PRODUCTION_KEY = "k" * 50


def run_python(code: str, tmp_path: Path, **env_overrides: str | None) -> subprocess.CompletedProcess:
    """Run Python code in a fresh interpreter with the project's settings and the given environment."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yuci_security.settings", "VAR_DIR": str(tmp_path)}
    for name, value in env_overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def tracked_files() -> list[Path]:
    """Files git tracks, plus new ones it would track (not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout
    return [BASE_DIR / name for name in out.decode().split("\0") if name]


def test_docker_compose_follows_the_compose_spec():
    result = subprocess.run(
        [VENV_BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", [None, "django-insecure-local-development-only", "too-short"])
def test_settings_refuse_debug_off_without_a_real_secret_key(tmp_path, secret_key):
    result = run_python("import django; django.setup()", tmp_path, DEBUG="false", SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_settings_start_with_debug_off_and_a_real_secret_key(tmp_path):
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        tmp_path,
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="risk.example.test",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_env_example_lists_every_setting_read_from_the_environment():
    settings_source = (BASE_DIR / "yuci_security" / "settings.py").read_text()
    read = set(re.findall(r"""\bEnv\(\)\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""", settings_source))
    read |= set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", settings_source))
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))

    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG"} <= read  # the pattern still finds them
    assert read - listed == set()


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_pinned_exactly(name):
    unpinned = []
    for line in (BASE_DIR / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        if not re.fullmatch(r"[A-Za-z0-9._-]+(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!-]+", line):
            unpinned.append(line)

    assert unpinned == []


def test_no_registry_host_name_in_the_repository():
    found = []
    for path in tracked_files():
        if not path.is_file():
            continue
        content = path.read_bytes().lower()
        name = path.relative_to(BASE_DIR)
        found += [f"{name}: {host}" for host in REGISTRY_HOSTS if host.encode() in content]

    assert found == []


def test_front_end_files_are_where_templates_and_readme_expect_them():
    readme = (BASE_DIR / "README.md").read_text()
    missing = [path for path in VENDOR_FILES if not (BASE_DIR / "static" / path).is_file()]
    undocumented = [path for path in VENDOR_FILES if "fonts/" not in path and path not in readme]

    assert missing == [], "run `make setup` (scripts/fetch_assets.sh) to fetch them"
    assert undocumented == []


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    # The manifest storage rewrites url() and sourceMappingURL references and fails on a missing
    # file, which is how a vendor file left incomplete would first show up: at deployment.
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command;"
        " call_command('collectstatic', interactive=False, verbosity=0)",
        tmp_path,
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="risk.example.test",
    )

    assert result.returncode == 0, result.stderr[-3000:]
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    assert manifest.is_file()
    assert "vendor/echarts/echarts.min.js" in manifest.read_text()
