"""Responsibility-list pages: a unit's lists and progress, admins' editing, the district view."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from org.views import _FAILED, _attempt, _form_page
from risks import attachments
from risks.forms import PersonChoiceField
from risks.models import Category, Unit, today
from risks.permissions import NotAllowed, Perm, has_perm, is_district_level, require_perm, visible_risks

from . import services
from .forms import CopyForm, DutyItemForm, DutyListForm, DutyRecordForm
from .models import DutyAttachment, DutyItem, DutyList, DutyRecord


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today().year
    return year if 2000 <= year <= 2100 else today().year


def _visible_list(user, pk) -> DutyList:
    try:
        return services.visible_duty_lists(user).get(pk=pk)
    except DutyList.DoesNotExist:
        raise Http404(_("没有找到这份责任清单，或您无权查看。")) from None


def _visible_item(user, pk) -> DutyItem:
    try:
        item = DutyItem.objects.select_related("duty_list__unit", "lead_unit").get(pk=pk)
    except DutyItem.DoesNotExist:
        raise Http404(_("没有找到这个责任事项。")) from None
    _visible_list(user, item.duty_list_id)
    return item


@require_GET
def index(request):
    require_perm(request.user, Perm.VIEW)
    year = _year(request)
    lists = services.visible_duty_lists(request.user).filter(year=year).order_by("unit__path")
    return render(
        request,
        "duties/index.html",
        {
            "year": year,
            "lists": lists,
            "may_manage": services.may_manage_lists(request.user),
            "may_overview": services.may_manage_lists(request.user) or is_district_level(request.user),
        },
    )


@require_GET
def overview(request):
    if not (services.may_manage_lists(request.user) or is_district_level(request.user)):
        raise PermissionDenied(_("只有管理员和区领导可以查看全区责任清单落实情况。"))
    year = _year(request)
    return render(request, "duties/overview.html", {"year": year, "rows": services.district_overview(year)})


@require_GET
def list_detail(request, pk):
    duty_list = _visible_list(request.user, pk)
    items = (
        DutyItem.objects.filter(duty_list=duty_list)
        .select_related("domain", "lead_unit")
        .prefetch_related(
            "categories",
            "cooperating_units",
            "responsible_people",
            Prefetch(
                "records",
                queryset=DutyRecord.objects.select_related("created_by").prefetch_related(
                    "attachments", "risks"
                ),
            ),
        )
    )
    rows = services.item_progress(items)
    for row in rows:
        row["may_record"] = services.may_record(request.user, row["item"])
    return render(
        request,
        "duties/list_detail.html",
        {"list": duty_list, "rows": rows, "may_manage": services.may_manage_lists(request.user)},
    )


@require_http_methods(["GET", "POST"])
def list_create(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    form = DutyListForm(request.POST or None, initial={"year": today().year})
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.duty_list_create(by=request.user, **form.cleaned_data))
        if result is not _FAILED:
            duty_list = result
            messages.success(request, _("已新建责任清单。"))
            return redirect("duties:list_detail", pk=duty_list.pk)
    return _form_page(request, form, title=_("新建责任清单"), back="duties:index")


@require_http_methods(["GET", "POST"])
def list_copy(request):
    require_perm(request.user, Perm.MANAGE_ORG)
    year = today().year
    form = CopyForm(request.POST or None, initial={"from_year": year - 1, "to_year": year})
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: services.duty_list_copy(by=request.user, **form.cleaned_data))
        if result is not _FAILED:
            made = result
            messages.success(request, _("已复制 %(n)d 份责任清单。") % {"n": made})
            return redirect(f"{reverse('duties:index')}?year={form.cleaned_data['to_year']}")
    return _form_page(request, form, title=_("复制上年度责任清单"), back="duties:index")


def _item_form_page(request, form, duty_list, title):
    return _form_page(request, form, title=title, back="duties:index", extra={"back_url": duty_list.pk})


@require_http_methods(["GET", "POST"])
def item_create(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    duty_list = _visible_list(request.user, pk)
    form = DutyItemForm(request.POST or None, initial={"lead_unit": duty_list.unit})
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.duty_list = duty_list
        services.duty_item_save(by=request.user, item=item, **_m2m(form))
        messages.success(request, _("已新增责任事项。"))
        return redirect("duties:list_detail", pk=duty_list.pk)
    return _item_form_page(request, form, duty_list, _("新增责任事项：%(l)s") % {"l": duty_list})


def _m2m(form) -> dict:
    return {f: form.cleaned_data[f] for f in ("categories", "cooperating_units", "responsible_people")}


@require_http_methods(["GET", "POST"])
def item_edit(request, pk):
    require_perm(request.user, Perm.MANAGE_ORG)
    item = _visible_item(request.user, pk)
    form = DutyItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.duty_item_save(by=request.user, item=form.save(commit=False), **_m2m(form))
        messages.success(request, _("已保存责任事项。"))
        return redirect("duties:list_detail", pk=item.duty_list_id)
    return _item_form_page(request, form, item.duty_list, _("修改责任事项"))


@require_http_methods(["GET", "POST"])
def record_create(request, pk):
    item = _visible_item(request.user, pk)
    if not services.may_record(request.user, item):
        raise PermissionDenied(_("只有本单位人员、牵头单位或责任人可以填写履职记录。"))
    form = DutyRecordForm(request.POST or None, request.FILES or None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        codes = [c for c in re.split(r"[\s,，、]+", form.cleaned_data["risk_codes"]) if c]
        risks = list(visible_risks(request.user).filter(code__in=codes))
        missing = set(codes) - {r.code for r in risks}
        if missing:
            form.add_error(
                "risk_codes", _("没有找到（或无权查看）风险隐患：%(c)s") % {"c": "、".join(sorted(missing))}
            )
        else:
            data = form.cleaned_data
            record = _attempt(
                form,
                lambda: services.duty_record_create(
                    by=request.user,
                    item=item,
                    on=data["on"],
                    text=data["text"],
                    risks=risks,
                    files=data["files"],
                ),
            )
            if record is not _FAILED:
                messages.success(request, _("已保存履职记录。"))
                return redirect("duties:list_detail", pk=item.duty_list_id)
    return _form_page(
        request,
        form,
        title=_("填写履职记录：%(i)s") % {"i": item},
        back="duties:index",
        extra={"multipart": True},
    )


@require_GET
def attachment_download(request, pk):
    try:
        attachment = DutyAttachment.objects.select_related("record__item").get(pk=pk)
    except DutyAttachment.DoesNotExist:
        raise Http404(_("没有找到这个附件。")) from None
    _visible_list(request.user, attachment.record.item.duty_list_id)
    return attachments.serve(attachment, user=request.user, summary=_("履职记录附件"))


@require_GET
def propose(request):
    """JSON for the new-risk form: the owner unit and responsible person the lists propose."""
    if not has_perm(request.user, Perm.CREATE):
        raise NotAllowed(_("您的角色不能登记风险隐患。"))
    ids = {}
    for name in ("category", "township", "village"):
        value = request.GET.get(name, "")
        ids[name] = int(value) if value.isdigit() and len(value) < 18 else None
    category = Category.objects.filter(pk=ids["category"]).first() if ids["category"] else None
    location_id = ids["village"] or ids["township"]
    location = Unit.objects.filter(pk=location_id).first() if location_id else None
    proposal = services.propose_owner(category=category, location=location)
    if not proposal:
        return JsonResponse({"found": False})

    def unit(u):
        return {"id": u.pk, "name": u.name} if u else None

    person = proposal["responsible"]
    return JsonResponse(
        {
            "found": True,
            "item": str(proposal["item"]) if proposal["item"] else "",
            "owner_unit": unit(proposal["owner_unit"]),
            "supervising_unit": unit(proposal["supervising_unit"]),
            "responsible": {"id": person.pk, "name": PersonChoiceField.label_from_instance(None, person)}
            if person
            else None,
        }
    )
