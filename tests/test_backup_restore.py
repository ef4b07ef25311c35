"""The backup and restore scripts (scripts/backup.sh, scripts/restore.sh) against real PostgreSQL:
dump the test database, restore it into a new empty database, and the ledger counts match."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from risks import workflow
from risks.models import State

from .factories import pdf_upload
from .requires import requires_postgres
from .test_infrastructure import BASE_DIR

pytestmark = [requires_postgres]

TABLES = [
    "auth_user",
    "risks_unit",
    "risks_profile",
    "risks_risk",
    "risks_riskevent",
    "risks_attachment",
    "risks_auditentry",
    "accounts_passwordhistory",
]


def url_for(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def counts(name: str) -> dict[str, int]:
    with psycopg2.connect(url_for(name)) as conn, conn.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            result[table] = cursor.fetchone()[0]
    conn.close()
    return result


def admin_sql(sql: str) -> None:
    conn = psycopg2.connect(url_for("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def run(script: str, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(BASE_DIR / "scripts" / script), *map(str, args)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    yield name
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_into_an_empty_database_with_the_same_counts(
    transactional_db, make_risk, official, settings, tmp_path, empty_database
):
    for state in (State.REPORTED, State.IN_PROGRESS, State.CLOSED):
        make_risk(state)
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_add_progress(risk=risk, by=official, text="整改报告", files=[pdf_upload()])
    source = connection.settings_dict["NAME"]
    before = counts(source)
    assert before["risks_risk"] == 4 and before["risks_attachment"] == 1

    backup = run(
        "backup.sh", tmp_path / "backups", DATABASE_URL=url_for(source), MEDIA_ROOT=settings.MEDIA_ROOT
    )
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "db.dump", "media.tar.gz"]

    restored_media = tmp_path / "restored-media"
    restore = run("restore.sh", folder, DATABASE_URL=url_for(empty_database), MEDIA_ROOT=restored_media)
    assert restore.returncode == 0, restore.stderr

    assert counts(empty_database) == before
    stored = Path(settings.MEDIA_ROOT) / risk.attachments.get().file.name
    assert (restored_media / risk.attachments.get().file.name).read_bytes() == stored.read_bytes()

    # A second restore over the now-filled database is refused, not mixed in.
    again = run("restore.sh", folder, DATABASE_URL=url_for(empty_database), MEDIA_ROOT=tmp_path / "other")
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_restore_refuses_a_damaged_backup(transactional_db, tmp_path, settings, empty_database):
    source = connection.settings_dict["NAME"]
    backup = run("backup.sh", tmp_path, DATABASE_URL=url_for(source), MEDIA_ROOT=settings.MEDIA_ROOT)
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    with (folder / "db.dump").open("ab") as dump:
        dump.write(b"tampered")

    restore = run("restore.sh", folder, DATABASE_URL=url_for(empty_database), MEDIA_ROOT=tmp_path / "m")

    assert restore.returncode != 0
    assert "checksums do not match" in restore.stderr
    assert counts_or_none(empty_database) is None


def counts_or_none(name):
    try:
        return counts(name)
    except psycopg2.errors.UndefinedTable:
        return None
