"""What ``manage.py bench`` measures, each a small function.

Pages are fetched through Django's test client as a logged-in person, warm, many times: the
median and 95th percentile of the server time and the number of SQL queries of one fetch. A
capability that is not built yet (its module or URL is missing) is reported as not available and
left out of the JSON.
"""

import importlib.util
import math
import statistics
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

from risks.models import Domain, Level, Risk, RiskEvent
from risks.permissions import visible_risks

PER_PAGE = 25
SEARCH_WORD = "群众"  # "the public": in about a third of the descriptions (complaints, reports)
PERSONAS = {"leader": "leader", "official": "official"}  # district leader; official of 修文镇


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
    "dashboard": lambda ctx: _url("dashboard:index", "dashboard:home", "risks:dashboard"),
    "quarter_report": lambda ctx: _url("reports:quarter", "reports:index", "risks:quarter_report"),
}


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
        for page, url_of in PAGES.items():
            name = f"{persona}/{page}"
            try:
                url = url_of(ctx)
            except NotAvailable:
                results.skipped.append(name)
                if report:
                    report(name, None)
                continue
            timing = time_get(client, url, repeat=repeat)
            results.pages[name] = timing.as_dict()
            if report:
                report(name, results.pages[name])


# ---------------------------------------------------------------------------------------------
# Jobs: the reminder sweep, the export and the import, once they are built


def measure_sweep(data) -> dict:
    """The reminder sweep over every open risk, once, as the nightly run does it."""
    sweep = _module("notifications.sweep")
    open_risks = Risk.objects.open().count()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run = sweep.send_reminders()
    return {
        "open": open_risks,
        "seconds": round(time.perf_counter() - started, 2),
        "queries": len(queries),
        "notices": run.notices,
    }


def measure_export(data) -> dict:
    raise NotAvailable("export")


def measure_import(data) -> dict:
    raise NotAvailable("import")


JOBS: dict[str, Callable] = {"sweep": measure_sweep, "export": measure_export, "import": measure_import}
