"""What ``manage.py bench`` measures, each a small function.

Pages are fetched through Django's test client as a logged-in person, warm, many times: the
median and 95th percentile of the server time and the number of SQL queries of one fetch. A
capability that is not built yet (its module or URL is missing) is reported as not available and
left out of the JSON.
"""

import datetime
import importlib.util
import io
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from risks.models import OPEN_STATES, Domain, Level, Risk, RiskEvent, today
from risks.permissions import visible_risks

PER_PAGE = 25
SEARCH_WORD = "群众"  # "the public": in about a third of the descriptions (complaints, reports)
PERSONAS = {"leader": "leader", "official": "official"}  # district leader; official of 修文镇
IMPORT_ROWS = 10_000


class NotAvailable(Exception):
    """The capability is not in this build."""


@dataclass
class Timing:
    samples: list[float]
    queries: int
    cpu: list[float] = field(default_factory=list)  # this process's CPU time (not the database's)

    @property
    def median_ms(self) -> float:
        return round(statistics.median(self.samples) * 1000, 1)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples)
        return round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000, 1)

    def as_dict(self) -> dict:
        # min_ms and cpu_ms beside the issue's three: on a shared machine others' work inflates
        # wall time; the fastest run and the CPU spent in Django show what the page itself costs.
        return {
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "queries": self.queries,
            "min_ms": round(min(self.samples) * 1000, 1),
            "cpu_ms": round(statistics.median(self.cpu) * 1000, 1),
        }


def time_get(client: Client, url: str, *, repeat: int, warmup: int = 2) -> Timing:
    """Fetch ``url`` warm ``repeat`` times; count the queries of one more fetch."""
    for _ in range(warmup):
        _get(client, url)
    samples, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        _get(client, url)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    return Timing(samples, len(queries), cpu)


def _get(client: Client, url: str):
    # secure: as behind the TLS-terminating proxy, so production settings do not redirect.
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    # Stream out what a streaming response holds, as a browser would read it.
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass
    return response


def _host() -> str:
    """A host name the settings allow (the test client's "testserver" is not among them)."""
    for host in settings.ALLOWED_HOSTS:
        if host == "*" or host.startswith("."):
            continue
        return host
    return "localhost"


def _url(*names: str, **kwargs) -> str:
    """The first of ``names`` that resolves; NotAvailable when none does (not built yet)."""
    for name in names:
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    raise NotAvailable(" / ".join(names))


def _module(name: str):
    if importlib.util.find_spec(name.split(".")[0]) is None or importlib.util.find_spec(name) is None:
        raise NotAvailable(name)
    return importlib.import_module(name)


# ---------------------------------------------------------------------------------------------
# Pages


@dataclass
class PageContext:
    """What the page URLs need from the data set, worked out once per person."""

    user: object
    township: object  # 修文镇: the owner-unit subtree of the filtered page
    domain_id: int
    level: str
    last_page: int
    detail_pk: int


def page_context(user, units: dict) -> PageContext:
    township = units["YC-XW"]
    visible = visible_risks(user)
    total = visible.count()
    # The risk with the longest timeline among those the person sees: the heaviest detail page.
    busiest = (
        RiskEvent.objects.filter(risk__in=visible.filter(township=township).order_by()[:2000].values("pk"))
        .values("risk_id")
        .annotate(n=Count("id"))
        .order_by("-n", "risk_id")
        .first()
    )
    # The filtered page asks for the domain and level with the most overdue risks of the township,
    # so that it shows rows at any size (a page without rows skips the rows' query).
    common = (
        visible.overdue()
        .filter(owner_unit__in=township.subtree().values("pk"))
        .values("domain_id", "level")
        .annotate(n=Count("id"))
        .order_by("-n", "domain_id", "level")
        .first()
    ) or {"domain_id": Domain.objects.get(code="societal").pk, "level": Level.GENERAL}
    return PageContext(
        user=user,
        township=township,
        domain_id=common["domain_id"],
        level=common["level"],
        last_page=max(1, math.ceil(total / PER_PAGE)),
        detail_pk=busiest["risk_id"],
    )


def _ledger(ctx: PageContext, query: str = "") -> str:
    return f"{reverse('risks:list')}{'?' + query if query else ''}"


PAGES: dict[str, Callable[[PageContext], str]] = {
    "ledger_first": lambda ctx: _ledger(ctx),
    "ledger_last": lambda ctx: _ledger(ctx, f"page={ctx.last_page}"),
    "ledger_filtered": lambda ctx: _ledger(
        ctx, f"domain={ctx.domain_id}&level={ctx.level}&owner_unit={ctx.township.pk}&overdue=on"
    ),
    "ledger_search": lambda ctx: _ledger(ctx, f"q={SEARCH_WORD}"),
    "ledger_sort_deadline": lambda ctx: _ledger(ctx, "sort=deadline"),
    "risk_detail": lambda ctx: reverse("risks:detail", args=[ctx.detail_pk]),
    "my_work": lambda ctx: reverse("risks:my_work"),
    "dashboard": lambda ctx: _url("quarters:dashboard"),
    "quarter_report": lambda ctx: _url("quarters:report", **_last_quarter()),
}
# The quarter's figures are for leaders (quarters.permissions.can_view_quarter): a township
# official is refused them by design, so the township's figures are read as its leader (镇长).
AS_UNIT_LEADER = {"dashboard", "quarter_report"}
UNIT_LEADER = {"official": "unitleader"}


def _last_quarter() -> dict:
    """The last quarter that has ended: the one a quarterly review reads."""
    from quarters.figures import Quarter

    quarter = Quarter.current().previous()
    return {"year": quarter.year, "quarter": quarter.number}


@dataclass
class Results:
    pages: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def signed_in_client(user) -> Client:
    """A client logged in as ``user``, past two-factor verification where the settings ask for it
    (the session names a confirmed device, as django_otp.login leaves it)."""
    client = Client(HTTP_HOST=_host())
    client.force_login(user)
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def measure_pages(users: dict, units: dict, *, repeat: int, results: Results, report=None) -> None:
    for persona, username in PERSONAS.items():
        user = users[username]
        ctx = page_context(user, units)
        client = signed_in_client(user)
        leader_client = None
        if persona in UNIT_LEADER:
            leader_client = signed_in_client(users[UNIT_LEADER[persona]])
        for page, url_of in PAGES.items():
            name = f"{persona}/{page}"
            try:
                url = url_of(ctx)
            except NotAvailable:
                results.skipped.append(name)
                if report:
                    report(name, None)
                continue
            by = leader_client if page in AS_UNIT_LEADER and leader_client else client
            timing = time_get(by, url, repeat=repeat)
            results.pages[name] = timing.as_dict()
            if report:
                report(name, results.pages[name])


# ---------------------------------------------------------------------------------------------
# Jobs: the reminder sweep, the export and the import, once they are built


def measure_sweep(data) -> dict:
    """The reminder sweep over every open risk: the first run ever (every notice new) and the
    nightly run of the day after, which is what the system does every night.

    The realistic data set has few open risks (most of five years' risks are closed), so every
    closed risk is first reopened as a copy of an open one (state, dates, light) — the ledger of a
    district that closes nothing, with the open risks' mix of near, overdue and stalled — and the
    sweep then reads every risk. Run after the pages and the export: it changes the data set."""
    sweep = _module("notifications.sweep")
    reopen_all()
    with connection.cursor() as cursor:
        # What autovacuum does after a change this size on a live system (not in a transaction).
        cursor.execute(
            "ANALYZE" if connection.in_atomic_block or connection.vendor != "postgresql" else "VACUUM ANALYZE"
        )
    open_risks = Risk.objects.open().count()
    day = today()
    first = _timed_sweep(sweep, day - datetime.timedelta(days=1))
    nightly = _timed_sweep(sweep, day)
    return {"open": open_risks, **nightly, "first_run": first}


def _timed_sweep(sweep, day: datetime.date) -> dict:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run = sweep.send_reminders(day)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "queries": len(queries),
        "notices": run.notices,
        "notifications": run.notifications,
        "escalations": run.escalations,
    }


def reopen_all() -> int:
    """Make every risk open, copying an open risk's state, dates and light round-robin (one
    UPDATE; the copies keep their own titles, places, units and people)."""
    table = Risk._meta.db_table
    states = ", ".join(["%s"] * len(OPEN_STATES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH open AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, state, found_on, deadline,
                       supervision_light, created_at, last_progress_at, requested_deadline
                FROM {table} WHERE state IN ({states})
            ), total AS (SELECT count(*) AS c FROM open), closed AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM {table} WHERE state NOT IN ({states})
            )
            UPDATE {table} AS r
            SET state = o.state, found_on = o.found_on, deadline = o.deadline,
                supervision_light = o.supervision_light, created_at = o.created_at,
                last_progress_at = o.last_progress_at, requested_deadline = o.requested_deadline,
                closed_at = NULL
            FROM closed c, total t, open o
            WHERE r.id = c.id AND t.c > 0 AND o.n = c.n %% t.c
            """,  # noqa: S608 - the table name is the model's, the values are parameters
            [*OPEN_STATES, *OPEN_STATES],
        )
        return cursor.rowcount


def measure_export(data) -> dict:
    """The leader's whole ledger as .xlsx, through the page, in a fresh process: its peak
    resident memory is what a web worker would need for it."""
    return run_child("export", username=PERSONAS["leader"])


def measure_import(data, rows: int = IMPORT_ROWS) -> dict:
    """Upload → check → confirm → import of ``rows`` new risks by the township official, through
    the job functions the import page uses (the file is checked, then checked again and saved)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from risks.ledger_io import jobs

    user = data.users[PERSONAS["official"]]
    content = import_file(user, rows)
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        upload = SimpleUploadedFile("bench-import.xlsx", content)
        started = time.perf_counter()
        job = jobs.job_start(by=user, upload=upload)
        job = jobs.job_check(job.pk)
        checked = time.perf_counter()
        if not jobs.job_confirm(job=job, by=user, valid_only=True):
            raise RuntimeError(f"import job not confirmed: {job.status} {job.error}")
        job = jobs.job_import(job.pk)
        done = time.perf_counter()
    if job.imported_rows != rows:
        raise RuntimeError(f"imported {job.imported_rows} of {rows} rows: {job.problems[:3]} {job.error}")
    return {
        "rows": job.imported_rows,
        "seconds": round(done - started, 2),
        "check_seconds": round(checked - started, 2),
        "import_seconds": round(done - checked, 2),
        "file_kb": len(content) // 1024,
    }


def import_file(user, rows: int) -> bytes:
    """An .xlsx of ``rows`` risks in the export's own layout: the official's risks of units they
    may log for, cycled, each under a new title so none is a duplicate."""
    from risks.ledger_io.columns import INDEX
    from risks.ledger_io.export import iter_rows, write_xlsx
    from risks.permissions import writable_units

    source = visible_risks(user).filter(owner_unit__in=writable_units(user)).order_by("-pk")
    sample = list(iter_rows(source[: min(rows, 5000)]))
    if not sample:
        raise RuntimeError("the official has no risks to copy into an import file")

    def copies():
        for n in range(rows):
            risk, values = sample[n % len(sample)]
            values = list(values)
            values[INDEX["title"]] = f"{values[INDEX['title']]}（导入{n + 1}）"[:200]
            yield risk, values

    buffer = io.BytesIO()
    write_xlsx(copies(), buffer, title="bench", on=datetime.date.today())
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# A job in a process of its own (python -m risks.bench.child), for its peak memory


def run_child(job: str, **options) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "yuci_security.settings"),
        "BENCH_DATABASE_NAME": str(connection.settings_dict["NAME"]),
    }
    completed = subprocess.run(  # noqa: S603 - our own module, arguments from this code
        [sys.executable, "-m", "risks.bench.child", job, json.dumps(options)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench child {job} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: a child's ru_maxrss keeps the
    size of the parent it was forked from (the bench, after building its data set), VmHWM counts
    only the memory of the program it runs."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kB on Linux


def export_in_this_process(username: str) -> dict:
    """What the child runs: GET the ledger's .xlsx as ``username`` and read it to the end."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.select_related("profile__unit").get(username=username)
    client = signed_in_client(user)
    started = time.perf_counter()
    response = client.get(f"{reverse('risks:list')}?_export=xlsx", secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"the export answered {response.status_code}")
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    return {
        "rows": visible_risks(user).count(),
        "seconds": round(seconds, 2),
        "file_mb": round(size / 1024 / 1024, 1),
        "peak_mb": peak_rss_mb(),
    }


# In this order: the export reads the data set as built, the sweep then reopens every risk, and the
# import adds its rows last, so that the sweep reads exactly N risks.
JOBS: dict[str, Callable] = {"export": measure_export, "sweep": measure_sweep, "import": measure_import}
