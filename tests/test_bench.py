"""``manage.py bench`` at a small size, so it cannot rot: the JSON's shape and the query counts of
each page (not seconds, which depend on the machine); and the pieces the bench relies on."""

import datetime
import json
import re

import pytest
from django import forms
from django.core.management import CommandError, call_command
from django.db import connection
from django.forms.renderers import DjangoTemplates

from risks.bench import dataset
from risks.bench.measure import PAGES, PERSONAS
from risks.models import OPEN_STATES, EventKind, Risk, RiskEvent, State
from risks.renderers import FastSelectRenderer

from .factories import RiskFactory
from .requires import requires_postgres

# The ceiling: at most 20 queries a page, the same at every size.
MAX_QUERIES = 20
IMPORT_ROWS = 120


def run_bench(tmp_path, risks: int) -> dict:
    path = tmp_path / f"bench-{risks}.json"
    call_command(
        "bench",
        risks=risks,
        json_path=str(path),
        repeat=1,
        import_rows=IMPORT_ROWS,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    return json.loads(path.read_text())


@pytest.mark.django_db(transaction=True)
def test_bench_pages_keep_their_query_count_as_the_ledger_grows(tmp_path):
    configured = connection.settings_dict["NAME"]
    small, large = run_bench(tmp_path, 600), run_bench(tmp_path, 1500)

    for report, size in ((small, 600), (large, 1500)):
        assert report["risks"] == size
        assert report["database"] == connection.vendor
        assert report["events"] > size  # every risk has a timeline
        assert len(report["commit"]) in (0, 40)
        assert set(report["pages"]) | set(report["skipped"]) >= {
            f"{persona}/{page}" for persona in PERSONAS for page in PAGES
        }
        for name, page in report["pages"].items():
            assert set(page) == {"median_ms", "p95_ms", "queries", "min_ms", "cpu_ms"}, name
            assert 0 < page["min_ms"] <= page["median_ms"] <= page["p95_ms"], name
            assert page["queries"] <= MAX_QUERIES, name
    for report, size in ((small, 600), (large, 1500)):
        assert report["skipped"] == []  # every page and job is built and measured
        # The sweep reads every risk, each reopened as an open one (before the import adds its own).
        assert report["sweep"]["open"] == size
        assert report["sweep"]["first_run"]["notices"] > 0 and report["sweep"]["seconds"] > 0
        assert report["export"]["rows"] == size  # the leader's whole ledger
        assert report["export"]["seconds"] > 0 and report["export"]["peak_mb"] > 0
        assert report["import"]["rows"] == IMPORT_ROWS and report["import"]["seconds"] > 0
    # The sweep's queries grow with its batches (2,000 risks), not with the risks.
    assert large["sweep"]["first_run"]["queries"] < large["sweep"]["open"] / 5
    assert {name: page["queries"] for name, page in small["pages"].items()} == {
        name: page["queries"] for name, page in large["pages"].items()
    }
    # The bench's own database is gone, and the configured one is in use again, untouched.
    assert connection.settings_dict["NAME"] == configured
    assert not Risk.objects.exists()


def test_bench_refuses_a_data_set_too_small_to_have_a_last_page():
    with pytest.raises(CommandError, match="至少"):
        call_command("bench", risks=10)


@pytest.mark.django_db
def test_data_set_reads_like_the_demo_district():
    data = dataset.build(count=600)

    assert Risk.objects.count() == 600
    assert RiskEvent.objects.count() == data.events
    states = set(Risk.objects.values_list("state", flat=True))
    assert {State.CLOSED, State.IN_PROGRESS} <= states and states & set(OPEN_STATES)
    # Every risk starts with its registration; closed ones end with the approval.
    firsts = RiskEvent.objects.filter(kind=EventKind.CREATED).count()
    assert firsts == 600
    closed = Risk.objects.filter(state=State.CLOSED).first()
    assert closed.closed_at
    assert closed.events.order_by("at", "id").last().kind == EventKind.CLOSURE_APPROVED
    assert len(set(Risk.objects.values_list("code", flat=True))) == 600
    # Ids were given explicitly: the next risk must not collide with them.
    assert Risk.objects.order_by("-id").first().pk == 600


def test_years_grow_with_the_ledger_up_to_ten():
    assert dataset.years_for(1000) == 1
    assert dataset.years_for(100_000) == 5
    assert dataset.years_for(10_000_000) == 10


def _flat(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


class _Form(forms.Form):
    one = forms.ChoiceField(choices=[("a", "甲 <b>"), ("b", "乙")], initial="b")
    many = forms.MultipleChoiceField(
        choices=[("组", [("x", "X"), ("y", "Y")]), ("z", "Z")], initial=["x", "z"], required=False
    )


@pytest.mark.parametrize("field", ["one", "many"])
def test_fast_select_renders_what_django_renders(field):
    django_html = _Form(renderer=DjangoTemplates())[field].as_widget()
    fast_html = _Form(renderer=FastSelectRenderer())[field].as_widget()
    assert _flat(fast_html) == _flat(django_html)
    assert "&lt;b&gt;" in fast_html or field == "many"


@requires_postgres
@pytest.mark.django_db
def test_large_data_sets_copy_a_planned_base_into_earlier_years(monkeypatch):
    monkeypatch.setattr(dataset, "REPLICATE_ABOVE", 1000)
    monkeypatch.setattr(dataset, "PLANNED_BASE", 1000)
    data = dataset.build(count=2500)

    assert Risk.objects.count() == 2500 and data.years == 3 * (dataset.BASE_YEARS + 1)
    assert RiskEvent.objects.count() == data.events
    assert len(set(Risk.objects.values_list("code", flat=True))) == 2500
    copy = Risk.objects.get(pk=1001)
    original = Risk.objects.get(pk=1)
    assert copy.found_on == original.found_on - datetime.timedelta(days=365 * (dataset.BASE_YEARS + 1))
    assert copy.events.count() == original.events.count()
    assert Risk.objects.filter(pk__gt=1000, requested_deadline__isnull=False).count() == 0
    # Old copies are mostly closed; the few left open are long overdue.
    old = Risk.objects.filter(pk__gt=1000)
    assert old.filter(state=State.CLOSED).count() > old.open().count() > 0
    assert RiskFactory().pk == 2501  # the sequence moved past the copies
