"""Round trip: export the demo ledger, import it into an empty ledger, export again."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from risks import demo
from risks.ledger_io.columns import COLUMNS
from risks.ledger_io.importer import check_sheet, import_rows
from risks.ledger_io.reader import read_ledger
from risks.models import Risk

from .xlsx import ledger_rows, response_bytes

pytestmark = pytest.mark.django_db

# What the import takes in; the others (编号, 整改进展, 督办, 状态, 销号时间, 联系电话) are kept by
# the system: a new ledger number, the timeline and the state start afresh with the import.
CARRIED = [c.header for c in COLUMNS if c.imported]
SYSTEM = [c.header for c in COLUMNS if not c.imported and c.key != "seq"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    # Seeded once for the module and rolled back after it (as in test_seed_demo); each test
    # runs in a savepoint within it.
    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed(password="Roundtrip-2026#")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_district(seeded, db):
    return get_user_model().objects.get(username="admin")


def export_xlsx(user) -> bytes:
    client = Client()
    client.force_login(user)
    return response_bytes(client.get(reverse("risks:list"), {"_export": "xlsx", "sort": "code"}))


def export_csv(user) -> bytes:
    client = Client()
    client.force_login(user)
    return response_bytes(client.get(reverse("risks:list"), {"_export": "csv"}))


def carried(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(str(r[h] or "") for h in CARRIED) for r in rows)


def test_demo_ledger_round_trips_through_excel(demo_district):
    admin = demo_district
    first = export_xlsx(admin)
    first_csv = export_csv(admin)
    before = ledger_rows(first)
    assert len(before) == Risk.objects.count() == demo.RISK_COUNT
    with transaction.atomic():
        Risk.objects.all().delete()
    assert Risk.objects.count() == 0

    # The CSV export reads back as cleanly as the workbook.
    from_csv = check_sheet(read_ledger(io.BytesIO(first_csv), "台账.csv"), admin)
    assert len(from_csv.rows) == demo.RISK_COUNT and from_csv.problems == []
    result = check_sheet(read_ledger(io.BytesIO(first), "台账.xlsx"), admin)
    assert [p.as_dict() for p in result.problems] == []
    created = import_rows(result=result, by=admin, file_name="台账.xlsx")
    assert len(created) == demo.RISK_COUNT

    after = ledger_rows(export_xlsx(admin))
    assert carried(after) == carried(before)
    # The system columns start afresh: new codes, no progress, no closure.
    assert {r["编号"] for r in after}.isdisjoint({r["编号"] for r in before})
    assert all(r["整改进展"] is None and r["销号时间"] is None for r in after)
    assert set(SYSTEM) == {"编号", "联系电话", "整改进展", "督办", "状态", "销号时间"}


def test_importing_the_same_export_again_adds_nothing(demo_district, tmp_path):
    admin = demo_district
    path = tmp_path / "台账.xlsx"
    path.write_bytes(export_xlsx(admin))
    out = io.StringIO()
    call_command("import_ledger", str(path), "--as", "admin", "--dry-run", stdout=out)
    assert f"有问题 {demo.RISK_COUNT} 行" in out.getvalue()
    assert "重复" in out.getvalue()
