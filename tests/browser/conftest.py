"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Every test module here carries ``pytestmark = [requires_chromium]``: without /usr/bin/chromium the
tests skip locally and fail under CI=true. The browser starts once per module; each test gets
fresh browser contexts (cookies, viewport) from ``visit``.

    def test_something(visit, official):
        page = visit(official, "/risks/", size="phone")   # logged in as official, 390×844
        shots(page, "ledger")                               # build/screenshots/ledger-{desktop,phone}.png
        assert_accessible(page)                            # axe-core: no serious/critical violation

Journeys that need features still to come (dashboard, admin pages, import/export) add a module
using the same fixtures.
"""

import os

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import societal_domain
from tests.requires import CHROMIUM_ARGS, CHROMIUM_PATH

from .helpers import SIZES

# Playwright waits this long for an element before failing (its default, 30 s, hides slowness).
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    # The sync API keeps an event loop running in this thread while the browser is open, and
    # Django refuses ORM calls from a thread with a running loop unless told it is safe (it is: the
    # test thread does one thing at a time). Only while the browser is open, one module at a time:
    # the variable must not leak into other tests (check --deploy rejects it, rightly).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="session")
def _media_url_for_live_server():
    """Django's live server wraps the site in a media-file handler built from MEDIA_URL, which
    fails on this project's MEDIA_URL = None (attachments are served only by an access-checked
    view). Give it a path nothing links to while the server starts, then put None back."""
    saved = settings.MEDIA_URL
    settings.MEDIA_URL = "/__live-server-media-unused__/"
    yield
    settings.MEDIA_URL = saved


@pytest.fixture(scope="session")
def live_server(_media_url_for_live_server, live_server):
    settings.MEDIA_URL = None
    return live_server


@pytest.fixture(autouse=True)
def _domains_loaded(request):
    """Transactional tests (the live server needs them) empty every table afterwards, the domains
    loaded by migration 0002 included: load them again, as that migration does."""
    if "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        societal_domain()


@pytest.fixture
def visit(browser, live_server):
    """``visit(user, path, size="desktop")`` opens ``path`` in a new browser context, logged in as
    ``user`` (None: logged out), and returns the page."""
    contexts, blocked = [], []

    def open_page(user, path="/", *, size="desktop", language=None):
        context = browser.new_context(
            viewport=SIZES[size],
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        cookies = []
        if user is not None:
            client = Client()
            client.force_login(user)
            cookies.append(
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            )
        if language:
            cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url})
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        # Irreversible actions ask first (data-confirm): the person says yes.
        page.on("dialog", lambda dialog: dialog.accept())
        # The pages run under the site's Content-Security-Policy: anything it blocks is a bug.
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and "Content Security Policy" in message.text
                and blocked.append(f"{page.url}: {message.text}")
            ),
        )
        page.goto(live_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert blocked == [], "the Content-Security-Policy blocked something"
