"""Named regression tests of the access rules (issue 3, "Done means")."""

import pytest
from django.urls import reverse
from django.utils import translation

from duties.models import DutyItem, DutyList, DutyRecord
from risks import workflow
from risks.models import AuditEntry, Category, Profile, Risk, RiskEvent, Role, RoleSetting, State, Unit

from .factories import png_upload
from .test_permission_matrix import MATRIX, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    # Audit labels and messages are asserted in Chinese; another test may have left English active.
    with translation.override("zh-hans"):
        yield


def test_official2_cannot_view_edit_transition_export_or_download_by_guessing_ids(
    client, make_risk, official, official2
):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_add_progress(risk=risk, by=official, text="照片", files=[png_upload()])
    attachment = risk.attachments.get()
    client.force_login(official2)
    for pk in (risk.pk, risk.pk + 1, 0, 2**63):
        assert client.get(f"/risks/{pk}/").status_code == 404
    assert client.get(reverse("risks:edit", args=[risk.pk])).status_code == 404
    response = client.post(reverse("risks:edit", args=[risk.pk]), {"title": "篡改"})
    assert response.status_code == 404
    for action in ("progress", "request_closure", "withdraw"):
        response = client.post(reverse("risks:action", args=[risk.pk, action]), {f"{action}-text": "x"})
        assert response.status_code == 404
    assert client.get(reverse("risks:attachment", args=[attachment.pk])).status_code == 404
    # The ledger (and whatever it exports) is built on the same scope.
    listing = client.get(reverse("risks:list"), {"per_page": 200, "q": risk.code, "_export": "xlsx"})
    if listing.get("Content-Type", "").startswith("text/html"):
        assert risk.pk not in {row.record.pk for row in listing.context["table"].rows}
    else:  # an export: the file never names the risk
        assert risk.code.encode() not in b"".join(listing.streaming_content)
    assert Risk.objects.get(pk=risk.pk).title != "篡改"
    assert RiskEvent.objects.filter(risk=risk).count() == risk.events.count()


def test_official_cannot_approve_own_closure(client, make_risk, district, unitleader):
    # The unit leader is responsible and asks to close: he may not approve his own request.
    risk = make_risk(State.CLOSURE_PENDING, responsible=unitleader)
    client.force_login(unitleader)
    response = client.post(
        reverse("risks:action", args=[risk.pk, "approve_closure"]), {"approve_closure-text": "好"}
    )
    assert response.status_code == 403
    assert Risk.objects.get(pk=risk.pk).state == State.CLOSURE_PENDING


def test_official_cannot_approve_closure_he_requested(client, make_risk, official):
    risk = make_risk(State.CLOSURE_PENDING)
    client.force_login(official)
    response = client.post(
        reverse("risks:action", args=[risk.pk, "approve_closure"]), {"approve_closure-text": "好"}
    )
    assert response.status_code == 403
    assert Risk.objects.get(pk=risk.pk).state == State.CLOSURE_PENDING


def test_admin_cannot_read_the_audit_log(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403
    # …nor give himself the auditor's rights.
    response = client.post(
        reverse("org:person_edit", args=[admin_user.pk]),
        {"unit": admin_user.profile.unit.pk, "role": Role.AUDITOR, "last_name": "吴"},
    )
    # The role field is fixed for a 三员 account edited by the admin: the posted role is ignored.
    assert response.status_code in (302, 400)
    assert Profile.objects.get(user=admin_user).role == Role.ADMIN


# Every URL that could change something; the person's own session and account (login, logout,
# language, own password and two-factor, own notifications: an auditor keeps those) aside.
SESSION_URLS = {"login", "logout", "set_language", "notifications:mark_read", "notifications:preferences"}
CHANGING_URLS = sorted(n for n in MATRIX if n not in SESSION_URLS and not n.startswith("accounts:"))


@pytest.mark.parametrize("name", CHANGING_URLS)
def test_auditor_cannot_change_anything(client, world, auditor, name):  # noqa: F811 - the imported fixture
    client.force_login(auditor)
    entry = MATRIX[name]
    counts = {
        model: model.objects.count()
        for model in (Unit, Profile, Risk, RiskEvent, DutyList, DutyItem, DutyRecord, Category, RoleSetting)
    }
    units = list(Unit.objects.values_list("pk", "path", "name", "is_active"))
    roles = list(Profile.objects.values_list("pk", "role", "unit_id"))
    response = client.post(
        reverse(name, args=entry["args"](world)),
        {
            "progress-text": "x",
            "active": "0",
            "parent": world.district.root.pk,
            "name": "x",
            "code": "x",
            "kind": "village",
            "order": 0,
            "data_scope": "all",
            "role": Role.ADMIN,
            "person": auditor.pk,
            "from_year": 2026,
            "to_year": 2027,
            "year": 2026,
            "unit": world.district.root.pk,
        },
    )
    # Pages that only read answer a POST with 405; the rest refuse the auditor outright.
    assert response.status_code in (403, 405), response.status_code
    assert {model: model.objects.count() for model in counts} == counts
    assert list(Unit.objects.values_list("pk", "path", "name", "is_active")) == units
    assert list(Profile.objects.values_list("pk", "role", "unit_id")) == roles
    assert not AuditEntry.objects.filter(actor=auditor).exclude(action="login").exists()


def test_django_admin_cannot_change_a_role(client, district, official):
    from django.contrib.auth import get_user_model

    from risks.models import Profile, Role

    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 16)
    client.force_login(superuser)
    profile = Profile.objects.get(user=official)
    url = reverse("admin:risks_profile_change", args=[profile.pk])
    client.post(url, {"unit": district.xiuwen.pk, "role": Role.AUDITOR, "phone": "", "title": ""})
    assert Profile.objects.get(pk=profile.pk).role == Role.OFFICIAL
    assert client.get(reverse("admin:risks_profile_add")).status_code == 403
