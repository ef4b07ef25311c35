"""Every user-facing string goes through the translation machinery, and the English catalogue
translates all of them.

When this fails after you added text: `make messages-update`, translate the new entries in
locale/en/LC_MESSAGES/django.po (msgid is the Chinese, msgstr the English), then `make messages`.
"""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Chinese characters; punctuation alone (（）、：) between translated parts is not a string to translate.
CJK = re.compile(r"[\u3400-\u9fff]")
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Translation functions: a Chinese literal as their first argument is a msgid.
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# Python files whose Chinese literals are data, not interface: demo data, the migrations that load
# the national domain list, and settings' defaults (the sender name of notification e-mail).
# The bench (risks/bench/) searches the ledger for a word of the demo data.
# Management commands speak to the operator on the command line, not in the web interface.
# The ledger's column headers and date forms are the file format local ledgers use (DESIGN.md
# "Ledger columns"): the same in either interface language, so an English UI reads Chinese files.
PY_EXEMPT = (
    "migrations/",
    "management/",
    "risks/demo",
    "duties/demo",
    "risks/bench/",
    "yuci_security/settings.py",
    "risks/ledger_io/columns.py",
)
# The project package and every app (a folder with an apps.py).
PY_DIRS = ("yuci_security", *sorted(p.parent.name for p in ROOT.glob("*/apps.py")))

# Translated blocks and comments: nothing in them is checked.
SKIPPED_BLOCKS = re.compile(
    r"{%\s*(blocktranslate|blocktrans)\b.*?{%\s*end\1\s*%}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}",
    re.S,
)
TAG_OR_VARIABLE = re.compile(r"{{.*?}}|{%.*?%}", re.S)
LITERAL = re.compile(r"""(?<!_\()(["'])(.*?)\1""")  # a quoted literal not wrapped in _( )


def untranslated_in_template(text: str) -> list[str]:
    """Chinese text left in a template outside translation: between tags (markup removed), and as
    literals inside variables and tags (``default:"（空）"``) other than the translate tag's own."""
    text = SKIPPED_BLOCKS.sub(" ", text)
    found = []
    for code in TAG_OR_VARIABLE.findall(text):
        if not re.match(r"{%\s*(translate|trans)\b", code):
            found += [literal for _quote, literal in LITERAL.findall(code) if CJK.search(literal)]
    rest = re.sub(r"<[^>]*>", " ", TAG_OR_VARIABLE.sub(" ", text))
    return found + [chunk.strip() for chunk in re.split(r"\s{2,}|\n", rest) if CJK.search(chunk)]


def untranslated_in_python(source: str) -> list[str]:
    """Chinese string literals that are neither a translation function's argument nor a docstring."""
    tree = ast.parse(source)
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in GETTEXT:
                allowed.update(id(arg) for arg in node.args)
        elif isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))  # docstring
        elif isinstance(node, ast.JoinedStr):
            allowed.update(id(v) for v in node.values)  # reported as the f-string below
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if CJK.search(text):
                found.append(f"line {node.lineno}: f-string {text!r}")
    return found


def template_files():
    return sorted((ROOT / "templates").rglob("*.html"))


def python_files():
    for folder in PY_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not any(part in relative for part in PY_EXEMPT):
                yield path


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_template_has_no_chinese_outside_translation(path):
    assert untranslated_in_template(path.read_text()) == []


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_file_has_no_chinese_outside_translation(path):
    assert untranslated_in_python(path.read_text()) == []


def test_the_checks_find_what_they_should():
    # A test that cannot fail is a defect: these must be caught…
    assert untranslated_in_template('<p>{% translate "登记" %}\n 未翻译</p>') == ["未翻译"]
    assert untranslated_in_template('{{ x|default:"（空）" }}') == ["（空）"]
    assert untranslated_in_template('{{ x|default:_("（空）") }}{% translate "登记" as t %}') == []
    assert untranslated_in_python('x = "未翻译"\ny = _("登记")\n') == ["line 1: '未翻译'"]
    assert untranslated_in_python('m = f"{a}：未翻译"\n') == ["line 1: f-string '：未翻译'"]
    # …and these are fine.
    assert untranslated_in_template("{% blocktranslate %}共 {{ n }} 条{% endblocktranslate %}") == []
    assert untranslated_in_python('"""说明。"""\nx = gettext_lazy("登记")\n') == []


def catalogue_problems(po: polib.POFile) -> list[str]:
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                problems.append(f"untranslated: {entry.msgid!r}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {entry.msgid!r}")
    return problems


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext: apt-get install gettext")
def test_english_catalogue_translates_every_current_string(tmp_path):
    """Run makemessages on a copy of the sources, so a string added without a translation fails here
    even when the committed catalogue was not updated."""
    copy = tmp_path / "src"
    copy.mkdir()
    ignore = shutil.ignore_patterns(".venv", "var", "vendor", "build", "node_modules", ".git", "__pycache__")
    for name in ("manage.py", "templates", "static", "locale", *PY_DIRS):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, copy / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var"), "HOME": str(tmp_path)},
    )
    po = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert catalogue_problems(po) == []


def test_catalogue_check_catches_missing_and_fuzzy_entries():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="登记", msgstr="Log"))
    po.append(polib.POEntry(msgid="交办", msgstr=""))
    po.append(polib.POEntry(msgid="签收", msgstr="Sign", flags=["fuzzy"]))
    assert catalogue_problems(po) == ["untranslated: '交办'", "fuzzy: '签收'"]


def test_password_rules_speak_chinese():
    """Every configured password validator's message comes in Chinese (Django's own from its
    zh_Hans catalogue, the project's from ours)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password("12345")
    assert len(caught.value.messages) >= 2
    assert all(CJK.search(message) for message in caught.value.messages), caught.value.messages
