"""The permission matrix: every URL pattern, as anonymous and as each role inside and outside the
object's scope, answers as this table says. A URL without an entry fails the test.

How to add a URL
----------------
Add an entry to MATRIX keyed by the URL's full name ("namespace:name"):

    "risks:detail": url(lambda w: [w.risk.pk], scoped()),

- the first argument gives reverse()'s args from the ``world`` (the objects below: ``w.risk`` is a
  risk of 修文镇 with an attachment ``w.attachment``, ``w.duty_list`` 修文镇's list, …);
- the second maps each persona of PERSONAS to the expected status: 200, 302, 403, 404, 405, or
  LOGIN (a 302 to the login page). Helpers: ``everyone(200)``, ``only(200, "admin_user")``,
  ``scoped(...)`` (inside 200, outside 404);
- ``method="post"`` and ``data={...}`` for POST-only URLs (each persona gets a fresh database);
  ``data`` may also be a function of the world, for fields named after an object
  (``data=lambda w: {f"r{w.receipt.pk}-text": "…"}``).

URLs under IGNORED_PREFIXES (Django admin, which has its own staff check) are left out.
"""

import datetime

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from campaigns import services as campaign_services
from duties.models import DutyAttachment, DutyItem, DutyKind, DutyList, DutyRecord
from notifications.models import Channel, Delivery, DeliveryStatus, Notice, Notification, RuleCode
from quarters import services as quarter_services
from quarters.figures import Quarter
from quarters.models import DirectiveKind, MeetingKind, ReviewMeeting
from risks import workflow
from risks.ledger_io import jobs as import_jobs
from risks.models import Category, Role, State, today

from .factories import png_upload
from .xlsx import row, upload, workbook_bytes


@pytest.fixture(autouse=True)
def _chinese():
    # Audit labels and messages are asserted in Chinese; another test may have left English active.
    with translation.override("zh-hans"):
        yield


LOGIN = "login"
PERSONAS = (
    "anonymous",
    "official",  # 修文镇 — inside the objects' scope
    "outsider",  # 东阳镇 official — outside
    "unitleader",  # 修文镇 — inside
    "unitleader2",  # 东阳镇 — outside
    "deptofficial",  # 应急管理局 — outside (not supervising the risk)
    "leader",
    "admin_user",
    "secadmin",
    "auditor",
)
IGNORED_PREFIXES = ("admin:",)


def everyone(code, **overrides):
    """Every signed-in persona gets ``code``; anonymous goes to the login page."""
    return {p: LOGIN if p == "anonymous" else overrides.get(p, code) for p in PERSONAS}


def only(code, *who, others=403, **overrides):
    return {
        p: LOGIN if p == "anonymous" else overrides.get(p, code if p in who else others) for p in PERSONAS
    }


def scoped(inside=200, outside=404, **overrides):
    """Inside the scope (修文镇 people, and district-wide people) ``inside``; others ``outside``."""
    out = {"outsider", "unitleader2", "deptofficial"}
    return {
        p: LOGIN if p == "anonymous" else overrides.get(p, outside if p in out else inside) for p in PERSONAS
    }


def url(args, expect, *, method="get", data=None):
    return {"args": args, "expect": expect, "method": method, "data": data or {}}


def past_quarter(*extra):
    """reverse()'s args for the quarter before today's (a report is of an ended quarter only)."""
    return lambda w: [w.past_quarter.year, w.past_quarter.number, *extra]


def no_args(w):
    return []


MANAGERS_ONLY = only(200, "admin_user")
SECURITY_ONLY = only(200, "secadmin")
AUDITOR_ONLY = only(200, "auditor")
CREATORS = everyone(200, secadmin=403, auditor=403)
# The quarter's figures: district leaders and admins (the district), unit leaders (their subtree).
QUARTER_VIEWERS = only(200, "unitleader", "unitleader2", "leader", "admin_user")
# Meetings, warnings and assignments are recorded and issued by district leaders and admins.
ISSUERS = only(200, "leader", "admin_user")
# A receipt is signed for and answered by its unit's people (修文镇's official, its leader); the
# directive's other readers get 403, people it was not sent to 404.
RECEIVERS = scoped(302, leader=403, admin_user=403, secadmin=403, auditor=403)
# An import job is its uploader's (修文镇's official) alone: other people who may log risks get
# 404, the roles that may not (security admin, auditor) 403 before the job is looked up.
UPLOADER_ONLY = only(200, "official", others=404, secadmin=403, auditor=403)

MATRIX = {
    # -- accounts and site ------------------------------------------------------------------
    "login": url(no_args, {p: 200 if p == "anonymous" else 302 for p in PERSONAS}),
    "logout": url(no_args, {p: 302 for p in PERSONAS}, method="post"),
    "set_language": url(no_args, {p: 302 for p in PERSONAS}, method="post", data={"language": "en"}),
    "profile": url(no_args, everyone(200)),
    "healthz": url(no_args, {p: 200 for p in PERSONAS}),  # no login: the load balancer asks
    "accounts:password_change": url(no_args, everyone(200)),
    # Personas have no authenticator yet: setup answers, the others send them to setup.
    "accounts:two_factor_setup": url(no_args, everyone(200)),
    "accounts:two_factor_verify": url(no_args, everyone(302)),
    "accounts:backup_codes": url(no_args, everyone(302)),
    # -- risks ------------------------------------------------------------------------------
    "risks:my_work": url(no_args, everyone(200)),
    "risks:list": url(no_args, everyone(200)),
    "risks:create": url(no_args, CREATORS),
    "risks:detail": url(lambda w: [w.risk.pk], scoped()),
    "risks:edit": url(lambda w: [w.risk.pk], scoped(secadmin=403, auditor=403)),
    "risks:action": url(
        lambda w: [w.risk.pk, "progress"],
        # Progress is for the owner unit's people: district-wide roles may look, not report.
        scoped(302, leader=403, admin_user=403, secadmin=403, auditor=403),
        method="post",
        data={"progress-text": "已完成一半"},
    ),
    "risks:attachment": url(lambda w: [w.attachment.pk], scoped()),
    # -- ledger import (the export, risks:list?_export=…, has no name of its own) -----------
    "risks:import": url(no_args, CREATORS),
    "risks:import_template": url(no_args, CREATORS),
    "risks:import_job": url(lambda w: [w.import_job.pk], UPLOADER_ONLY),
    "risks:import_progress": url(lambda w: [w.import_job.pk], UPLOADER_ONLY),
    # The job has problems: confirming "all" is refused with a message (302 back to the job).
    "risks:import_confirm": url(
        lambda w: [w.import_job.pk], {**UPLOADER_ONLY, "official": 302}, method="post", data={"mode": "all"}
    ),
    "risks:import_cancel": url(
        lambda w: [w.import_job.pk], {**UPLOADER_ONLY, "official": 302}, method="post"
    ),
    "risks:import_rejected": url(lambda w: [w.import_job.pk], UPLOADER_ONLY),
    # -- notifications and quarterly reports ------------------------------------------------
    "notifications:list": url(no_args, everyone(200)),
    # One's own notification only: it opens (302 to its link); anybody else's is 404.
    "notifications:open": url(lambda w: [w.notification.pk], only(302, "official", others=404)),
    "notifications:mark_read": url(no_args, everyone(302), method="post"),
    "notifications:preferences": url(no_args, everyone(200)),
    "notifications:system": url(no_args, MANAGERS_ONLY),
    "notifications:send_test": url(no_args, only(302, "admin_user"), method="post"),
    "notifications:retry": url(lambda w: [w.delivery.pk], only(302, "admin_user"), method="post"),
    "notifications:quarterly_reports": url(no_args, everyone(200, secadmin=403, auditor=403)),
    # -- organisation (admin) ----------------------------------------------------------------
    "org:units": url(no_args, MANAGERS_ONLY),
    "org:unit_create": url(no_args, MANAGERS_ONLY),
    "org:unit_edit": url(lambda w: [w.district.xiuwen.pk], MANAGERS_ONLY),
    "org:unit_move": url(lambda w: [w.district.xiuwen_village.pk], MANAGERS_ONLY),
    "org:unit_active": url(lambda w: [w.district.housing.pk], only(302, "admin_user"), method="post"),
    "org:unit_delete": url(lambda w: [w.district.housing.pk], only(302, "admin_user"), method="post"),
    "org:people": url(no_args, MANAGERS_ONLY),
    "org:person_create": url(no_args, MANAGERS_ONLY),
    "org:person_edit": url(lambda w: [w.people.official.pk], MANAGERS_ONLY),
    "org:person_active": url(lambda w: [w.people.official.pk], only(302, "admin_user"), method="post"),
    "org:person_reset_password": url(lambda w: [w.people.official.pk], MANAGERS_ONLY, method="post"),
    "org:person_unlock": url(lambda w: [w.people.official.pk], only(302, "admin_user"), method="post"),
    "org:categories": url(no_args, MANAGERS_ONLY),
    "org:category_create": url(no_args, MANAGERS_ONLY),
    "org:category_edit": url(lambda w: [w.category.pk], MANAGERS_ONLY),
    # -- roles and security settings (security admin) -----------------------------------------
    "org:roles": url(no_args, SECURITY_ONLY),
    "org:role_grant": url(no_args, SECURITY_ONLY),
    "org:role_edit": url(lambda w: [Role.OFFICIAL], SECURITY_ONLY),
    # -- audit log (auditor; never the admin) ------------------------------------------------
    "audit:log": url(no_args, AUDITOR_ONLY),
    "audit:export": url(no_args, AUDITOR_ONLY),
    # -- responsibility lists ----------------------------------------------------------------
    "duties:index": url(no_args, everyone(200)),
    "duties:overview": url(no_args, only(200, "admin_user", "leader")),
    "duties:list_create": url(no_args, MANAGERS_ONLY),
    "duties:list_copy": url(no_args, MANAGERS_ONLY),
    "duties:propose": url(no_args, CREATORS),
    "duties:list_detail": url(lambda w: [w.duty_list.pk], scoped()),
    "duties:item_create": url(lambda w: [w.duty_list.pk], MANAGERS_ONLY),
    "duties:item_edit": url(lambda w: [w.duty_item.pk], MANAGERS_ONLY),
    # Evidence is written by the list's unit; district-wide roles may look, not write.
    "duties:record_create": url(
        lambda w: [w.duty_item.pk], scoped(leader=403, admin_user=403, secadmin=403, auditor=403)
    ),
    "duties:attachment": url(lambda w: [w.duty_attachment.pk], scoped()),
    # -- the quarter: dashboard, reports, meetings, warnings and assignments -----------------
    # Officials, the security admin and the auditor: 403 (not their work); a unit leader sees his
    # subtree's figures, so both townships' leaders get 200.
    "quarters:dashboard": url(no_args, QUARTER_VIEWERS),
    "quarters:reports": url(no_args, QUARTER_VIEWERS),
    "quarters:report": url(past_quarter(), QUARTER_VIEWERS),
    "quarters:report_download": url(past_quarter("xlsx"), QUARTER_VIEWERS),
    # Review meetings are district records: quarter viewers read them, issuers record them, only a
    # district leader signs off (the admin may record but not sign: 403).
    "quarters:meetings": url(no_args, QUARTER_VIEWERS),
    "quarters:meeting_create": url(no_args, ISSUERS),
    "quarters:meeting": url(lambda w: [w.meeting.pk], QUARTER_VIEWERS),
    "quarters:meeting_sign_off": url(lambda w: [w.meeting.pk], only(302, "leader"), method="post"),
    # Everybody has a list (issuers all directives, others those sent to their subtree); a
    # directive sent to 修文镇 is 404 outside it.
    "quarters:directives": url(no_args, everyone(200)),
    "quarters:directive_create": url(no_args, ISSUERS),
    "quarters:directive": url(lambda w: [w.directive.pk], scoped()),
    # An assignment becomes a ledger risk by its issuers or its receiving unit; the security admin
    # and the auditor may read it but not log a risk.
    "quarters:directive_add_risk": url(lambda w: [w.directive.pk], scoped(secadmin=403, auditor=403)),
    "quarters:receipt_sign": url(lambda w: [w.receipt.pk], RECEIVERS, method="post"),
    "quarters:receipt_answer": url(
        lambda w: [w.receipt.pk],
        RECEIVERS,
        method="post",
        data=lambda w: {f"r{w.receipt.pk}-text": "已全部整改"},
    ),
    "quarters:receipt_file": url(lambda w: [w.receipt_attachment.pk], scoped()),
    # -- special campaigns (admins run them; units see the ones they take part in) -----------
    "campaigns:list": url(no_args, everyone(200)),
    "campaigns:create": url(no_args, MANAGERS_ONLY),
    "campaigns:detail": url(lambda w: [w.campaign.pk], scoped()),
    "campaigns:close": url(lambda w: [w.campaign.pk], scoped(403, admin_user=302), method="post"),
}


def url_names(patterns=None, prefix=""):
    """Every URL pattern's full name, from the resolver (unnamed patterns by their route)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from url_names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern):
            yield prefix + (pattern.name or f"<unnamed {pattern.pattern}>")


def test_every_url_has_an_entry_in_the_matrix():
    names = {n for n in url_names() if not n.startswith(IGNORED_PREFIXES)}
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URLs without an entry in tests/test_permission_matrix.py MATRIX: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"MATRIX entries for URLs that no longer exist: {stale}"


def test_every_entry_names_every_persona():
    for name, entry in MATRIX.items():
        assert set(entry["expect"]) == set(PERSONAS), name


class World:
    pass


@pytest.fixture
def world(district, people, make_risk, official, unitleader, leader):
    w = World()
    w.district, w.people = district, people
    w.risk = make_risk(State.IN_PROGRESS)
    workflow.risk_add_progress(risk=w.risk, by=official, text="现场照片", files=[png_upload()])
    w.attachment = w.risk.attachments.get()
    w.category = Category.objects.create(domain=w.risk.domain, name="矩阵测试类别")
    w.duty_list = DutyList.objects.create(unit=district.xiuwen, year=2026, created_by=unitleader)
    w.duty_item = DutyItem.objects.create(
        duty_list=w.duty_list, kind=DutyKind.TERRITORIAL, duty="每季度排查", lead_unit=district.xiuwen
    )
    record = DutyRecord.objects.create(
        item=w.duty_item, on=w.risk.found_on, text="已排查", created_by=official
    )
    w.duty_attachment = DutyAttachment.objects.create(
        record=record,
        file=png_upload(),
        original_name="照片.png",
        content_type="image/png",
        size=10,
        uploaded_by=official,
    )
    w.notification = Notification.objects.create(
        notice=Notice.objects.create(
            rule=RuleCode.DEADLINE_NEAR,
            subject_type="risk",
            subject_id=w.risk.pk,
            period="p",
            title="到期提醒",
        ),
        user=official,
    )
    w.delivery = Delivery.objects.create(
        channel=Channel.EMAIL, recipient="x@example.com", subject="s", body="b", status=DeliveryStatus.FAILED
    )
    # The quarter: the quarter before today's (ended, so it has a report), a review meeting of it
    # linked to the risk, and an assignment from the district leader to 修文镇, answered by its
    # official with a photo.
    w.past_quarter = Quarter.current().previous()
    w.meeting = quarter_services.meeting_record(
        by=leader,
        meeting=ReviewMeeting(
            kind=MeetingKind.QUARTERLY,
            year=w.past_quarter.year,
            quarter=w.past_quarter.number,
            held_on=today(),
            title="季度研判会",
            attendees="周区长、刘镇长",
            analysis="总体平稳",
        ),
        risks=[w.risk],
    )
    w.directive = quarter_services.directive_issue(
        by=leader,
        kind=DirectiveKind.ASSIGNMENT,
        title="排查交办",
        content="排查辖区燃气管道",
        deadline=today() + datetime.timedelta(days=14),
        units=[district.xiuwen],
        meeting=w.meeting,
    )
    w.receipt = quarter_services.receipt_answer(
        by=official, receipt=w.directive.receipts.get(), text="已排查", files=[png_upload()]
    )
    w.receipt_attachment = w.receipt.attachments.get()
    # Issue 6: a campaign led by and for 修文镇, and an import 修文镇's official uploaded, checked
    # (one row with a problem) and not yet confirmed.
    w.campaign = campaign_services.campaign_create(
        by=people.admin_user,
        name="燃气安全专项排查",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=60),
        lead_unit=district.xiuwen,
        units=[district.xiuwen],
    )
    content = workbook_bytes([row({"风险隐患名称": "矩阵导入", "风险等级": "特大"})])
    w.import_job = import_jobs.job_check(import_jobs.job_start(by=official, upload=upload(content)).pk)
    assert w.import_job.problems, "the import job needs a problem for risks:import_rejected"
    return w


CASES = [(name, persona) for name in MATRIX for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_url_answers_as_the_matrix_says(client, world, people, name, persona):
    entry = MATRIX[name]
    if persona != "anonymous":
        client.force_login(getattr(people, persona))
    path = reverse(name, args=entry["args"](world))
    data = entry["data"](world) if callable(entry["data"]) else entry["data"]
    response = getattr(client, entry["method"])(path, data)
    expected = entry["expect"][persona]
    if expected == LOGIN:
        assert response.status_code == 302, (name, persona, response.status_code)
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), response["Location"]
    else:
        assert response.status_code == expected, (name, persona, response.status_code)
