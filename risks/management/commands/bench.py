"""``manage.py bench``: build N risks in a database of its own, then time the pages and jobs.

    python manage.py bench                       # 100,000 risks
    python manage.py bench --risks 1000 --json bench/results/2026-11-30-1k.json
    python manage.py bench --risks 100000 --keep --build-only --database-name bench_load  # loadtest

The configured database is never touched: PostgreSQL gets a database beside it (created and
dropped), SQLite a temporary file.
"""

import datetime
import json
import os
import platform
import subprocess
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from risks.bench import dataset, measure
from risks.bench.database import bench_database


def _commit() -> str:
    try:
        return subprocess.run(  # noqa: S603 - a fixed command, no user input
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


class Command(BaseCommand):
    help = "性能基准：在独立数据库中生成 N 条风险隐患，测量各页面和任务的耗时与 SQL 查询数。"

    def add_arguments(self, parser):
        parser.add_argument("--risks", type=int, default=100_000, help="风险隐患条数（默认 100000）")
        parser.add_argument("--json", dest="json_path", help="把结果写入此 JSON 文件")
        parser.add_argument("--repeat", type=int, default=15, help="每个页面测量次数（默认 15）")
        parser.add_argument(
            "--import-rows", type=int, default=measure.IMPORT_ROWS, help="导入测试的行数（默认 10000）"
        )
        parser.add_argument("--database-name", help="基准数据库名（默认 bench_<数据库名>_<进程号>）")
        parser.add_argument(
            "--keep", action="store_true", help="保留基准数据库（供 scripts/loadtest.sh 使用）"
        )
        parser.add_argument("--build-only", action="store_true", help="只生成数据，不测量（与 --keep 同用）")
        parser.add_argument(
            "--pages-only", action="store_true", help="只测页面，不测提醒扫描、导出和导入（百万级时用）"
        )

    def handle(
        self,
        *args,
        risks,
        json_path=None,
        repeat=15,
        import_rows=measure.IMPORT_ROWS,
        database_name=None,
        keep=False,
        build_only=False,
        pages_only=False,
        **options,
    ):
        if risks < 100:
            raise CommandError("--risks 至少为 100。")
        if repeat < 1:
            raise CommandError("--repeat 至少为 1。")
        if import_rows < 1:
            raise CommandError("--import-rows 至少为 1。")
        started = time.monotonic()
        commit = _commit()  # the code that runs, even if the checkout moves on meanwhile
        with bench_database(database_name, keep=keep) as name:
            self.stdout.write(f"基准数据库：{name}（{connection.vendor}）")
            data = dataset.build(count=risks, progress=self._progress)
            build_seconds = round(time.monotonic() - started, 1)
            self.stdout.write(
                f"\n已生成 {data.risks} 条风险隐患、{data.events} 条记录（{data.years} 年），"
                f"用时 {build_seconds} 秒"
            )
            if keep:
                self.stdout.write(
                    f"将保留数据库 {name}（演示账号密码见 risks.demo.DEFAULT_PASSWORD），用完请删除。"
                )
            if build_only:
                return
            results = measure.Results()
            measure.measure_pages(data.users, data.units, repeat=repeat, results=results, report=self._row)
            for name_, job in measure.JOBS.items():
                if pages_only:
                    results.skipped.append(name_)
                    continue
                try:
                    results.extra[name_] = job(data, **({"rows": import_rows} if name_ == "import" else {}))
                except measure.NotAvailable:
                    results.skipped.append(name_)
                    self.stdout.write(f"{name_:<34} 不可用（尚未实现）")
                else:
                    self.stdout.write(f"{name_:<34} {results.extra[name_]}")
            machine = {
                "cpus": _cpus(),
                # Others' work on the same machine inflates the times: the load says how much.
                "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                "python": platform.python_version(),
                "django": django.get_version(),
                "database_version": _database_version(),
            }
        report = {
            "risks": risks,
            "database": connection.vendor,
            "pages": results.pages,
            **results.extra,
            "skipped": results.skipped,
            "events": data.events,
            "years": data.years,
            "build_seconds": build_seconds,
            "repeat": repeat,
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "commit": commit,
            "machine": machine,
        }
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
            self.stdout.write(f"结果已写入 {json_path}")

    def _progress(self, done, events):
        self.stdout.write(f"\r  {done} 条风险隐患，{events} 条记录", ending="")
        self.stdout.flush()

    def _row(self, name, timing):
        if not getattr(self, "_header", False):
            self._header = True
            self.stdout.write(
                f"\n{'页面':<32} {'中位数 ms':>10} {'p95 ms':>10} {'查询数':>6} {'最快 ms':>9} {'CPU ms':>8}"
            )
        if timing is None:
            self.stdout.write(f"{name:<34} 不可用（尚未实现）")
        else:
            self.stdout.write(
                f"{name:<34} {timing['median_ms']:>10} {timing['p95_ms']:>10} {timing['queries']:>6}"
                f" {timing['min_ms']:>9} {timing['cpu_ms']:>8}"
            )


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _database_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        return cursor.fetchone()[0].split(",")[0]
