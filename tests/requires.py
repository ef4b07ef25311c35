"""Marks for tests that need a real PostgreSQL, Redis or Chromium.

    from tests.requires import requires_postgres

    @requires_postgres
    def test_ledger_codes_are_unique_under_concurrency(transactional_db): ...

    pytestmark = [requires_redis]          # a whole module

Where the piece is missing the test is skipped, and the reason says how to get it, so `make test`
passes on a newcomer's machine. Under CI=true (.ci/run) a missing piece is a failure instead: CI
must exercise the real services, and a silent skip there would hide that it did not.

Each mark is a plain `skipif` whose condition is evaluated lazily, when the test is set up (pytest
calls bool() on it then): Django is configured by that time, and no plugin or conftest is needed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMEDRIVER_PATH = Path("/usr/bin/chromedriver")
# Launch arguments that work on these machines (see shared MACHINE-NOTES, "Browser tests").
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@functools.cache
def postgres_missing() -> str | None:
    """None when the tests run against PostgreSQL, else what is used instead."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return None
    return f"the test database is {connection.vendor}"


@functools.cache
def redis_missing() -> str | None:
    """None when REDIS_URL is set and the server answers a ping, else why not."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis at REDIS_URL does not answer ({exc.__class__.__name__})"
    finally:
        client.close()
    return None


def chromium_missing() -> str | None:
    return None if CHROMIUM_PATH.exists() else f"{CHROMIUM_PATH} does not exist"


class _Missing:
    """A skipif condition: true (skip) when the piece is missing; under CI, a failure instead."""

    def __init__(self, piece: str, probe: Callable[[], str | None], how: str) -> None:
        self.piece, self.probe, self.how = piece, probe, how

    def __bool__(self) -> bool:
        problem = self.probe()
        if problem is None:
            return False
        if in_ci():
            pytest.fail(f"CI=true but {self.piece} is missing ({problem}); {self.how}", pytrace=False)
        return True

    def __repr__(self) -> str:
        return f"<requires {self.piece}>"


def _requires(piece: str, probe: Callable[[], str | None], how: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(_Missing(piece, probe, how), reason=f"needs {piece}: {how}")


requires_postgres = _requires(
    "PostgreSQL",
    postgres_missing,
    "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/yuci to run (or `bash .ci/run`)",
)
requires_redis = _requires(
    "Redis",
    redis_missing,
    "start redis-server and set REDIS_URL=redis://127.0.0.1:6379/15 to run (or `bash .ci/run`)",
)
requires_chromium = _requires(
    "Chromium",
    chromium_missing,
    "apt-get install chromium chromium-driver to run",
)


def poppler_missing() -> str | None:
    import shutil

    missing = [tool for tool in ("pdftotext", "pdffonts", "pdftoppm") if shutil.which(tool) is None]
    return f"{', '.join(missing)} not on PATH" if missing else None


requires_poppler = _requires(
    "poppler-utils (pdftotext)",
    poppler_missing,
    "apt-get install poppler-utils fonts-noto-cjk to run",
)
