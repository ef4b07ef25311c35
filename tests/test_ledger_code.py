"""Ledger codes (YC-2026-00042) stay unique and gapless when people log risks at the same moment.

Each thread has its own database connection, as each web worker does. On PostgreSQL the counter
row's lock makes them queue; on SQLite the database lock does (IMMEDIATE transactions, 20 s timeout).
"""

import datetime
import threading

import pytest
from django.db import connection

from risks import workflow
from risks.models import Domain, LedgerCounter, Risk

from .factories import RiskFactory

THREADS = 8
EACH = 5


def run_at_once(work, threads=THREADS) -> list:
    """Run ``work()`` in ``threads`` threads released together; return what they returned, in
    any order. A failure in any thread fails the test."""
    barrier = threading.Barrier(threads)
    results, errors = [], []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait(timeout=30)
            result = work()
            with lock:
                results.extend(result)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a thread hung"
    assert errors == []
    return results


def expected_codes(year, count):
    return [f"YC-{year}-{n:05d}" for n in range(1, count + 1)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_gives_distinct_consecutive_codes():
    # No counter row yet: the first allocations race to create it, and the losers must retry.
    codes = run_at_once(lambda: [workflow.next_ledger_code(2026) for _ in range(EACH)])

    assert sorted(codes) == expected_codes(2026, THREADS * EACH)
    assert LedgerCounter.objects.get(year=2026).last == THREADS * EACH


@pytest.mark.django_db(transaction=True)
def test_concurrent_risk_creation_gives_distinct_consecutive_codes(district, official, frozen_today):
    frozen_today(datetime.date(2026, 11, 30))
    # An earlier transactional test empties the tables, migrated domains included (restoring them
    # with serialized_rollback clashes with the content types that the flush recreates).
    domain, _ = Domain.objects.get_or_create(code="societal", defaults={"name": "社会安全"})

    def log_risks():
        created = []
        for _ in range(EACH):
            risk = RiskFactory.build(
                domain=domain, township=district.xiuwen, created_by=official, updated_by=official
            )
            created.append(workflow.risk_create(by=official, risk=risk).code)
        return created

    codes = run_at_once(log_risks)

    assert sorted(codes) == expected_codes(2026, THREADS * EACH)
    assert sorted(Risk.objects.values_list("code", flat=True)) == sorted(codes)


@pytest.mark.django_db(transaction=True)
def test_blocks_of_codes_allocated_at_once_interleave_without_gaps_or_overlaps():
    # An import takes a block of codes while people log single risks: each gets its own numbers.
    def work():
        return [*workflow.next_ledger_codes(2026, 4), workflow.next_ledger_code(2026)]

    codes = run_at_once(work)

    assert sorted(codes) == expected_codes(2026, THREADS * 5)
    assert LedgerCounter.objects.get(year=2026).last == THREADS * 5


@pytest.mark.django_db
def test_a_block_is_consecutive_and_follows_the_last_code():
    assert workflow.next_ledger_code(2026) == "YC-2026-00001"
    assert workflow.next_ledger_codes(2026, 3) == ["YC-2026-00002", "YC-2026-00003", "YC-2026-00004"]
    assert workflow.next_ledger_codes(2026, 0) == []
    assert workflow.next_ledger_codes(2027, 2) == ["YC-2027-00001", "YC-2027-00002"]
    assert LedgerCounter.objects.get(year=2026).last == 4
