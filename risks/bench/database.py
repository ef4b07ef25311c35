"""A database of the bench's own, created, migrated and dropped around a run.

Django's test-database machinery does the work (it is what pytest-django uses): it creates the
database beside the configured one under another name, migrates it and points the connection at
it; dropping it puts the configured name back. The configured database is never written.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.db import connections


def default_name() -> str:
    """bench_<configured name>_<pid>: one per project database and process, so runs side by side
    (other checkouts, CI) never meet."""
    configured = Path(str(connections["default"].settings_dict["NAME"])).stem
    return f"bench_{configured}_{os.getpid()}"


@contextmanager
def bench_database(name: str | None = None, *, keep: bool = False):
    """Yield the name of a fresh, migrated database that the default connection now uses."""
    conn = connections["default"]
    test_settings = conn.settings_dict.setdefault("TEST", {})
    saved = dict(test_settings)
    folder = None
    if conn.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-") if not keep else tempfile.gettempdir()
        test_settings["NAME"] = str(Path(folder) / f"{name or default_name()}.sqlite3")
    else:
        test_settings["NAME"] = name or default_name()
    test_settings["MIGRATE"] = True
    old_name = conn.settings_dict["NAME"]
    conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield conn.settings_dict["NAME"]
    finally:
        conn.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)
        test_settings.clear()
        test_settings.update(saved)
        if folder and not keep:
            os.rmdir(folder)
