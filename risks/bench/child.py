"""``python -m risks.bench.child JOB OPTIONS``: one bench job in a fresh process, so that the
process's peak memory is the job's own. Run by ``risks.bench.measure.run_child`` with the bench
database's name in BENCH_DATABASE_NAME; prints one line of JSON."""

import json
import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuci_security.settings")
    import django

    django.setup()
    from django.db import connections

    # Before the first query: the bench's own database, never the configured one.
    connections["default"].settings_dict["NAME"] = os.environ["BENCH_DATABASE_NAME"]
    from risks.bench import measure

    job, options = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    jobs = {"export": measure.export_in_this_process}
    print(json.dumps(jobs[job](**options)))  # noqa: T201 - the parent reads it


if __name__ == "__main__":
    main(sys.argv[1:])
