"""Time the reminder sweep over many open risks and count its SQL queries.

    createdb yuci_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/yuci_bench
    .venv/bin/python scripts/bench_reminders.py 100000

Builds the demo district's units and people in that (throwaway) database, bulk-creates N open
risks with deadlines spread from 60 days ago to 300 days ahead, runs the sweep once (everything
due) and once more (nothing new), and prints JSON.
"""

import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuci_security.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from notifications.sweep import send_reminders  # noqa: E402
from risks import demo  # noqa: E402
from risks.models import Domain, Level, Profile, Risk, Role, State, Unit, today  # noqa: E402


def build(n: int) -> None:
    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        units = demo.seed_units()
        demo.seed_people(units, "Bench-Only-Password-1")
    Risk.objects.all().delete()
    rng = random.Random(4)
    domain = Domain.objects.get(code="societal")
    officials = list(
        Profile.objects.filter(role=Role.OFFICIAL, unit__kind__in=["township", "street"]).values_list(
            "user_id", "unit_id"
        )
    )
    day = today()
    now = django.utils.timezone.now()
    batch = []
    for i in range(n):
        user_id, unit_id = rng.choice(officials)
        deadline = day + datetime.timedelta(days=rng.randint(-60, 300))
        batch.append(
            Risk(
                code=f"BENCH-{i:06d}",
                title=f"压测风险隐患{i}",
                domain=domain,
                level=rng.choice(list(Level.values)),
                found_on=deadline - datetime.timedelta(days=400),
                township_id=unit_id,
                owner_unit_id=unit_id,
                responsible_id=user_id,
                deadline=deadline,
                state=State.IN_PROGRESS,
                created_by_id=user_id,
                updated_by_id=user_id,
                last_progress_at=now - datetime.timedelta(days=rng.randint(0, 45)),
            )
        )
        if len(batch) == 5000:
            Risk.objects.bulk_create(batch)
            batch = []
    Risk.objects.bulk_create(batch)


def measure() -> dict:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run = send_reminders()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "queries": len(queries),
        "notices": run.notices,
        "notifications": run.notifications,
        "escalations": run.escalations,
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    build(n)
    first = measure()
    second = measure()
    print(json.dumps({"open_risks": n, "first_sweep": first, "second_sweep": second}, ensure_ascii=False))
