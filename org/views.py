"""Management pages (units, people, roles, categories), the audit log and the profile page.

HTTP only: each view checks the role's permission (risks.permissions), calls a service, answers.
"""

import csv

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from risks import audit
from risks.models import AuditAction, AuditEntry, Category, DataScope, Domain, Role, RoleSetting, Unit
from risks.permissions import ROLE_PERMISSIONS, Perm, has_perm, require_perm, role_data_scope

from . import services
from .forms import (
    AuditFilterForm,
    CategoryForm,
    PersonForm,
    RoleGrantForm,
    RoleSettingForm,
    UnitForm,
    UnitMoveForm,
)

User = get_user_model()


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


_FAILED = object()


def _attempt(form, call):
    """Run a service; when it refuses the input, put its messages on the form and return _FAILED.
    NotAllowed (403) is not caught: the person may not do this at all."""
    try:
        return call()
    except ValidationError as error:
        _apply_errors(form, error)
        return _FAILED


def _form_page(request, form, *, title, back, status=None, extra=None):
    status = status or (400 if request.method == "POST" else 200)
    context = {"form": form, "title": title, "back": back, **(extra or {})}
    return render(request, "org/form.html", context, status=status)


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Units


@require_GET
def unit_list(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    units = Unit.objects.order_by("path")
    return render(request, "org/unit_list.html", {"units": units})


@require_http_methods(["GET", "POST"])
def unit_create(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    form = UnitForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.unit_create(by=request.user, **form.cleaned_data))
        if result is not _FAILED:
            unit = result
            messages.success(request, _("已新增单位“%(unit)s”。") % {"unit": unit})
            return redirect("org:units")
    return _form_page(request, form, title=_("新增单位"), back="org:units")


@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    unit = get_object_or_404(Unit, pk=pk)
    initial = {"name": unit.name, "code": unit.code, "kind": unit.kind, "order": unit.order}
    form = UnitForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.unit_update(by=request.user, unit=unit, **form.cleaned_data))
        if result is not _FAILED:
            messages.success(request, _("已保存单位“%(unit)s”。") % {"unit": form.cleaned_data["name"]})
            return redirect("org:units")
    return _form_page(request, form, title=_("修改单位：%(unit)s") % {"unit": unit}, back="org:units")


@require_http_methods(["GET", "POST"])
def unit_move(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    unit = get_object_or_404(Unit, pk=pk)
    form = UnitMoveForm(request.POST or None, initial={"parent": Unit.objects.get_parent(unit)})
    if request.method == "POST" and form.is_valid():
        result = _attempt(
            form, lambda: services.unit_move(by=request.user, unit=unit, parent=form.cleaned_data["parent"])
        )
        if result is not _FAILED:
            messages.success(request, _("已移动单位“%(unit)s”。") % {"unit": unit})
            return redirect("org:units")
    return _form_page(request, form, title=_("移动单位：%(unit)s") % {"unit": unit}, back="org:units")


@require_POST
def unit_set_active(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    unit = get_object_or_404(Unit, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.unit_set_active(by=request.user, unit=unit, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, (_("已启用“%(unit)s”。") if active else _("已停用“%(unit)s”。")) % {"unit": unit}
        )
    return redirect("org:units")


@require_POST
def unit_delete(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    unit = get_object_or_404(Unit, pk=pk)
    try:
        services.unit_delete(by=request.user, unit=unit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已删除单位“%(unit)s”。") % {"unit": unit})
    return redirect("org:units")


# ---------------------------------------------------------------------------------------------
# People


@require_GET
def person_list(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    people = (
        User.objects.filter(profile__isnull=False)
        .select_related("profile__unit")
        .order_by("profile__unit__path", "username")
    )
    q = request.GET.get("q", "").strip()[:100]
    if q:
        people = people.filter(
            Q(username__icontains=q)
            | Q(last_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(profile__unit__name__icontains=q)
        )
    role = request.GET.get("role", "")
    if role in Role.values:
        people = people.filter(profile__role=role)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request, "org/person_list.html", {"page": page, "q": q, "role": role, "roles": Role.choices}
    )


def _temporary_password_page(request, person, password):
    return _no_store(render(request, "org/temporary_password.html", {"person": person, "password": password}))


@require_http_methods(["GET", "POST"])
def person_create(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    form = PersonForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.person_create(by=request.user, **form.cleaned_data))
        if result is not _FAILED:
            person, password = result
            return _temporary_password_page(request, person, password)
    return _form_page(request, form, title=_("新增人员"), back="org:people")


@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    person = get_object_or_404(User.objects.select_related("profile__unit"), pk=pk, profile__isnull=False)
    profile = person.profile
    initial = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "email": person.email,
        "unit": profile.unit,
        "role": profile.role,
        "phone": profile.phone,
        "title": profile.title,
    }
    form = PersonForm(
        request.POST or None, initial=initial, by=request.user, editing=True, current_role=profile.role
    )
    if request.method == "POST" and form.is_valid():
        result = _attempt(
            form, lambda: services.person_update(by=request.user, person=person, **form.cleaned_data)
        )
        if result is not _FAILED:
            messages.success(request, _("已保存人员“%(name)s”。") % {"name": person.get_username()})
            return redirect("org:people")
    return _form_page(
        request,
        form,
        title=_("修改人员：%(name)s") % {"name": person.get_username()},
        back="org:people",
        extra={"person": person},
    )


def _people_page(user) -> str:
    return "org:people" if has_perm(user, Perm.MANAGE_ORG) else "org:roles"


def _person_or_404(pk):
    return get_object_or_404(User, pk=pk, profile__isnull=False)


@require_POST
def person_set_active(request, pk):
    # The service decides: the admin for business accounts, the security admin for 三员 accounts.
    person = _person_or_404(pk)
    active = request.POST.get("active") == "1"
    services.person_set_active(by=request.user, person=person, active=active)
    messages.success(
        request, (_("已启用账号 %(name)s。") if active else _("已停用账号 %(name)s。")) % {"name": person}
    )
    return redirect(_people_page(request.user))


@require_POST
def person_reset_password(request, pk):
    # The service decides: the admin for business accounts, the security admin for 三员 accounts.
    person = _person_or_404(pk)
    password = services.person_reset_password(by=request.user, person=person)
    return _temporary_password_page(request, person, password)


@require_POST
def person_unlock(request, pk):
    # The service decides: the admin for business accounts, the security admin for 三员 accounts.
    person = _person_or_404(pk)
    services.person_unlock(by=request.user, person=person)
    messages.success(request, _("已解除账号 %(name)s 的锁定。") % {"name": person})
    return redirect(_people_page(request.user))


# ---------------------------------------------------------------------------------------------
# Roles (security admin)


@require_GET
def role_list(request):
    require_perm(request.user, Perm.MANAGE_SECURITY)
    settings_by_role = {s.role: s for s in RoleSetting.objects.prefetch_related("custom_units")}
    rows = []
    for role in Role:
        rows.append(
            {
                "role": role,
                "scope": DataScope(role_data_scope(role)).label,
                "setting": settings_by_role.get(role),
                "perms": [perm in ROLE_PERMISSIONS[role] for perm in Perm],
            }
        )
    officers = User.objects.filter(
        profile__role__in=[Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR]
    ).select_related("profile__unit")
    return render(request, "org/role_list.html", {"rows": rows, "perms": list(Perm), "officers": officers})


@require_http_methods(["GET", "POST"])
def role_edit(request, role):
    require_perm(request.user, Perm.MANAGE_SECURITY)
    if role not in Role.values:
        return render(request, "404.html", status=404)
    setting = RoleSetting.objects.filter(role=role).first()
    initial = {
        "data_scope": role_data_scope(role),
        "custom_units": setting.custom_units.all() if setting else [],
    }
    form = RoleSettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.role_setting_update(by=request.user, role=role, **form.cleaned_data)
        messages.success(request, _("已保存角色“%(role)s”的数据范围。") % {"role": Role(role).label})
        return redirect("org:roles")
    return _form_page(
        request, form, title=_("数据范围：%(role)s") % {"role": Role(role).label}, back="org:roles"
    )


@require_http_methods(["GET", "POST"])
def role_grant(request):
    require_perm(request.user, Perm.MANAGE_SECURITY)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.person_grant_role(by=request.user, **form.cleaned_data))
        if result is not _FAILED:
            messages.success(request, _("已授予角色。"))
            return redirect("org:roles")
    return _form_page(request, form, title=_("授予角色"), back="org:roles")


# ---------------------------------------------------------------------------------------------
# Local categories


@require_GET
def category_list(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    domains = Domain.objects.prefetch_related("categories__parent")
    return render(request, "org/category_list.html", {"domains": domains})


@require_http_methods(["GET", "POST"])
def category_create(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.category_create(by=request.user, **form.cleaned_data))
        if result is not _FAILED:
            messages.success(request, _("已新增类别。"))
            return redirect("org:categories")
    return _form_page(request, form, title=_("新增类别"), back="org:categories")


@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    category = get_object_or_404(Category, pk=pk)
    initial = {"name": category.name, "order": category.order, "is_active": category.is_active}
    form = CategoryForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        result = _attempt(
            form, lambda: services.category_update(by=request.user, category=category, **form.cleaned_data)
        )
        if result is not _FAILED:
            messages.success(request, _("已保存类别。"))
            return redirect("org:categories")
    return _form_page(request, form, title=_("修改类别：%(c)s") % {"c": category}, back="org:categories")


# ---------------------------------------------------------------------------------------------
# Audit log (auditor) — the auditor's own reads are audited too


def audit_entries(data: dict):
    qs = AuditEntry.objects.select_related("actor_unit")
    if data.get("person"):
        qs = qs.filter(actor_name__icontains=data["person"])
    if data.get("unit"):
        qs = qs.filter(actor_unit__path__startswith=data["unit"].path)
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("object"):
        term = data["object"]
        qs = qs.filter(Q(object_type__icontains=term) | Q(object_id=term) | Q(object_repr__icontains=term))
    if data.get("start"):
        qs = qs.filter(at__date__gte=data["start"])
    if data.get("end"):
        qs = qs.filter(at__date__lte=data["end"])
    return qs


def _filter_summary(data: dict) -> str:
    parts = [f"{k}={v}" for k, v in data.items() if v not in (None, "")]
    return ("；".join(parts) or _("全部"))[:400]


@require_GET
def audit_log(request):
    require_perm(request.user, Perm.READ_AUDIT)
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_entries(data), 50).get_page(request.GET.get("page"))
    audit.record(
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="risks.auditentry",
        object_repr=_("审计日志"),
        summary=_("查阅审计日志（第 %(n)d 页）：%(f)s") % {"n": page.number, "f": _filter_summary(data)},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return _no_store(
        render(
            request,
            "org/audit_log.html",
            {"form": form, "page": page, "query": query.urlencode()},
            status=200 if form.is_valid() or not request.GET else 400,
        )
    )


def _csv_cell(value) -> str:
    # Spreadsheet formula injection: a cell that starts like a formula is written as text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
def audit_export(request):
    require_perm(request.user, Perm.READ_AUDIT)
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出。"))
        return redirect("audit:log")
    data = form.cleaned_data if request.GET else {}
    entries = audit_entries(data)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="risks.auditentry",
        object_repr=_("审计日志"),
        summary=_("导出审计日志：%(f)s") % {"f": _filter_summary(data)},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("时间"),
            _("操作人"),
            _("单位"),
            _("IP 地址"),
            _("操作"),
            _("对象类型"),
            _("对象编号"),
            _("对象"),
            _("摘要"),
            _("变更"),
        ]
    )
    for entry in entries.iterator(chunk_size=2000):
        changes = "；".join(entry.change_lines())
        writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.actor_name,
                    entry.actor_unit,
                    entry.ip,
                    entry.get_action_display(),
                    entry.object_type,
                    entry.object_id,
                    entry.object_repr,
                    entry.summary,
                    changes,
                )
            ]
        )
    return _no_store(response)


# ---------------------------------------------------------------------------------------------
# Profile: my recent logins


@require_GET
def profile(request):
    user = request.user
    logins = AuditEntry.objects.filter(
        Q(actor=user, action__in=[AuditAction.LOGIN, AuditAction.LOGOUT])
        | Q(action=AuditAction.LOGIN_FAILED, object_type="auth.user", object_id=str(user.pk))
        # accounts.signals names a locked account by its user name
        | Q(action=AuditAction.LOCKOUT, object_type="auth.user", object_repr=user.get_username())
    )[:20]
    operations = AuditEntry.objects.filter(actor=user).exclude(
        action__in=[AuditAction.LOGIN, AuditAction.LOGOUT, AuditAction.VIEW]
    )[:20]
    return _no_store(render(request, "org/profile.html", {"logins": logins, "operations": operations}))
