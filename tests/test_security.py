"""Security plumbing: response headers and CSP, templates without inline script, uploads,
/healthz, the trusted-proxy address, log lines, and `check --deploy` with production settings."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from risks import workflow
from risks.models import Attachment, State
from yuci_security.logging import JsonFormatter

from .factories import PNG_BYTES, pdf_upload
from .test_infrastructure import BASE_DIR, run_python

# Django's deployment check wants 50 characters with some variety (security.W009).
PRODUCTION_KEY = "tZ4q-8Rk2vLw0pYc7NhB3sXe9GdJ6uMa1QfK5oWiEy_HbTn-Vr"
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "risk.example.test",
    "CSRF_TRUSTED_ORIGINS": "https://risk.example.test",
    "DATABASE_URL": None,
    "REDIS_URL": None,
}


# ---------------------------------------------------------------------------------------------
# Headers on every response


def assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def production_headers(settings):
    settings.SECURE_HSTS_SECONDS = 31536000


@pytest.mark.parametrize(
    ("who", "name", "status"),
    [
        (None, "login", 200),
        (None, "risks:list", 302),  # to the login page
        (None, "healthz", 200),
        ("official", "risks:my_work", 200),
        ("official", "risks:list", 200),
        ("official", "accounts:password_change", 200),
        ("official", "missing", 404),
    ],
)
def test_every_response_carries_the_security_headers(
    client, db, people, production_headers, who, name, status
):
    if who:
        client.force_login(getattr(people, who))
    url = "/no-such-page/" if name == "missing" else reverse(name)

    response = client.get(url, secure=True)

    assert response.status_code == status
    assert_security_headers(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_attachment_download_carries_the_security_headers(client, make_risk, official, production_headers):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_add_progress(risk=risk, by=official, text="报告", files=[pdf_upload()])
    client.force_login(official)

    response = client.get(reverse("risks:attachment", args=[risk.attachments.get().pk]), secure=True)

    assert response.status_code == 200
    assert_security_headers(response)


def test_static_files_carry_the_policy_too(client, db, settings):
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in tests
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/app.css")

    # WhiteNoise answers before the frame-options middleware; CSP's frame-ancestors covers it.
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, official):
    from .test_accounts import log_in, with_password

    with_password(official)
    client.get(reverse("login"))
    log_in(client, official)

    for name in ("sessionid", "csrftoken"):
        cookie = client.cookies[name]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path):
    result = run_python(
        "import django, json; django.setup(); from django.conf import settings as s;"
        " print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_HTTPONLY, s.DEBUG]))",
        tmp_path,
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, True, True, 31536000, True, False]


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = run_python(
        "import django, sys; django.setup(); from django.core.management import call_command;"
        " call_command('check', deploy=True, fail_level='DEBUG')",
        tmp_path,
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# Templates: nothing inline that the CSP would block

TEMPLATES = sorted((BASE_DIR / "templates").rglob("*.html"))
INLINE = [
    # A data block (<script type="application/json">, json_script) is not run, so CSP allows it.
    (re.compile(r"<script(?![^>]*\b(src=|type=.application/json))[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(Path(p).relative_to(BASE_DIR / "templates")))
def test_template_has_no_inline_script_or_style(path):
    text = path.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert found == []


def test_templates_were_found():
    assert len(TEMPLATES) >= 10


# ---------------------------------------------------------------------------------------------
# Uploads


def multipart(fields: dict, file_field: str, filename: str, content: bytes, boundary="XyZboundary"):
    """A hand-made multipart body: the test client would strip directories from the name itself."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_html_renamed_pdf_is_refused_over_http(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    body, content_type = multipart(
        {"progress-text": "见附件"},
        "progress-files",
        "整改报告.pdf",
        b"<!DOCTYPE html><html><script>x</script>",
    )

    response = client.post(
        reverse("risks:action", args=[risk.pk, "progress"]), body, content_type=content_type
    )

    assert response.status_code in (302, 400)
    assert not Attachment.objects.exists()
    assert "类型不允许" in client.get(reverse("risks:detail", args=[risk.pk])).content.decode() or (
        "类型不允许" in response.content.decode()
    )


def test_oversized_file_is_refused_over_http(client, make_risk, official, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    body, content_type = multipart({"progress-text": "见附件"}, "progress-files", "photo.png", PNG_BYTES * 4)

    client.post(reverse("risks:action", args=[risk.pk, "progress"]), body, content_type=content_type)

    assert not Attachment.objects.exists()


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_path_traversal_name_over_http_never_leaves_media_root(
    client, make_risk, official, settings, tmp_path
):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    body, content_type = multipart(
        {"progress-text": "现场照片"}, "progress-files", "../../../../tmp/evil.png", PNG_BYTES
    )

    client.post(reverse("risks:action", args=[risk.pk, "progress"]), body, content_type=content_type)

    # Django's parser keeps only "evil.png"; the stored name is random and inside MEDIA_ROOT.
    (attachment,) = Attachment.objects.all()
    assert attachment.original_name == "evil.png"
    root = Path(settings.MEDIA_ROOT).resolve()
    assert [p.resolve() for p in media_files(settings)] == [root / attachment.file.name]
    assert "evil" not in attachment.file.name
    assert not (tmp_path.parent / "evil.png").exists()


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "..\\..\\boot.png", ".htaccess.png", "a\x00b.png"])
def test_path_traversal_name_reaching_a_service_is_refused(make_risk, official, settings, name):
    # Not through the multipart parser (an import, the API): the service refuses the name itself.
    risk = make_risk(State.IN_PROGRESS)

    with pytest.raises(ValidationError) as refused:
        workflow.risk_add_progress(
            risk=risk, by=official, text="附件", files=[ContentFile(PNG_BYTES, name=name)]
        )

    assert "文件名" in refused.value.messages[0]
    assert not Attachment.objects.exists()
    assert media_files(settings) == []


def test_download_has_a_safe_content_disposition(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_add_progress(risk=risk, by=official, text="报告", files=[pdf_upload('整改"报告";x.pdf')])
    client.force_login(official)

    response = client.get(reverse("risks:attachment", args=[risk.attachments.get().pk]))

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\n" not in disposition and "\r" not in disposition
    assert "filename*=utf-8''" in disposition  # the Chinese name, percent-encoded
    assert response.headers["Cache-Control"] == "private, no-store"


# ---------------------------------------------------------------------------------------------
# /healthz


def test_healthz_answers_without_login(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_healthz_says_503_when_redis_is_unreachable_without_detail(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "redis": "error"}


def test_healthz_says_503_when_the_database_fails(client, db, monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise RuntimeError("password authentication failed for user yuci at 10.0.0.5")

    with monkeypatch.context() as patched:  # undone before the test database is torn down
        patched.setattr(connection, "cursor", broken)
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert "10.0.0.5" not in response.content.decode()
    assert response.json()["database"] == "error"


def test_healthz_refuses_post(client, db):
    assert client.post(reverse("healthz")).status_code == 405


# ---------------------------------------------------------------------------------------------
# The client's address behind the proxy


def seen_address(client, settings, trusted, remote, header):
    from axes.models import AccessFailureLog

    settings.TRUSTED_PROXIES = trusted
    client.post(
        reverse("login"), {"username": "nobody", "password": "x"}, REMOTE_ADDR=remote, HTTP_X_REAL_IP=header
    )
    return AccessFailureLog.objects.latest("attempt_time").ip_address


def test_x_real_ip_is_believed_only_from_a_trusted_proxy(client, db, settings):
    assert seen_address(client, settings, ["172.28.0.0/24"], "172.28.0.5", "10.20.30.40") == "10.20.30.40"
    assert seen_address(client, settings, ["172.28.0.0/24"], "10.9.9.9", "10.20.30.41") == "10.9.9.9"
    assert seen_address(client, settings, [], "172.28.0.5", "10.20.30.42") == "172.28.0.5"
    assert seen_address(client, settings, ["172.28.0.0/24"], "172.28.0.5", "not-an-ip") == "172.28.0.5"


# ---------------------------------------------------------------------------------------------
# Logs


def test_log_lines_are_json_with_the_request_but_not_its_query():
    from django.test import RequestFactory

    request = RequestFactory().get("/risks/?phone=13800001234")
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/risks/",), None
    )
    record.request = request
    record.status_code = 500

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "ERROR"
    assert line["message"] == "Internal Server Error: /risks/"
    assert line["path"] == "/risks/"
    assert line["status"] == 500
    assert "13800001234" not in json.dumps(line)


def test_errors_are_mailed_to_admins_from_the_environment(tmp_path):
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s; print(s.ADMINS)",
        tmp_path,
        **PRODUCTION_ENV,
        ADMINS="值班员 <duty@example.gov.cn>,ops@example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('值班员', 'duty@example.gov.cn'), ('', 'ops@example.gov.cn')]"


def test_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("f" * 60)
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s;"
        " print(len(s.SECRET_KEY), s.SECRET_KEY[:3])",
        tmp_path,
        **{**PRODUCTION_ENV, "SECRET_KEY": None},
        SECRET_KEY_FILE=str(key_file),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60 fff"
