"""HTTP only: each view starts from risks.permissions, calls a service, and answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from . import attachments, selectors, workflow
from .filters import RiskFilter
from .forms import ACTION_FIELDS, ActionForm, RiskForm
from .ledger_io import export as ledger_export
from .models import Attachment, Risk, RiskEvent
from .pagination import LedgerPaginator
from .permissions import (
    ACTIONS,
    NotAllowed,
    allowed_actions,
    can_create_risk,
    can_edit_risk,
    get_visible_risk,
    visible_risks,
)
from .tables import RiskTable


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@require_http_methods(["GET"])
def my_work(request):
    return render(request, "risks/my_work.html", {"sections": selectors.my_work(request.user)})


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class RiskListView(SingleTableMixin, FilterView):
    """The ledger (台账). Scoping is in get_queryset, so counts and exports are scoped too."""

    table_class = RiskTable
    filterset_class = RiskFilter
    template_name = "risks/risk_list.html"
    table_pagination = {"per_page": 25}
    paginator_class = LedgerPaginator  # far pages read from the other end
    http_method_names = ["get", "head"]

    def get_queryset(self):
        return selectors.ledger_rows(self.request.user)

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("_export")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in EXPORT_TYPES:
            raise Http404(_("不支持这种导出格式。"))
        return self.export(fmt)

    def export(self, fmt):
        """``?…&_export=xlsx|csv`` (django-tables2's convention): the rows as filtered and sorted."""
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            messages.error(request=self.request, message=_("筛选条件有误，未导出。请修改后重试。"))
            params = self.request.GET.copy()
            params.pop("_export")
            return redirect(f"{self.request.path}?{params.urlencode()}")
        table = self.table_class(filterset.qs, order_by=self.request.GET.get("sort"))
        params = self.request.GET.copy()
        params.pop("_export")
        content, _count = ledger_export.export_ledger(
            user=self.request.user,
            queryset=table.data.data,
            fmt=fmt,
            filter_text=ledger_export.describe_filters(filterset),
            query=params.urlencode(),
        )
        filename = ledger_export.export_filename(fmt)
        if fmt == "xlsx":
            response = FileResponse(
                content, as_attachment=True, filename=filename, content_type=EXPORT_TYPES[fmt]
            )
        else:
            response = StreamingHttpResponse(content, content_type=EXPORT_TYPES[fmt])
            response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Cache-Control"] = "private, no-store"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["active_filters"] = sum(1 for k, v in params.lists() if k != "sort" and any(v))
        context["can_create"] = can_create_risk(self.request.user)
        context["export_query"] = params.urlencode()
        return context


@require_http_methods(["GET", "POST"])
def risk_create(request):
    if not can_create_risk(request.user):
        raise PermissionDenied(_("您的角色不能登记风险隐患。"))
    form = RiskForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        risk = form.save(commit=False)
        try:
            risk = workflow.risk_create(
                by=request.user,
                risk=risk,
                cooperating_units=form.cleaned_data["cooperating_units"],
                files=form.cleaned_data.get("attachments") or (),
            )
        except NotAllowed:
            raise
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已登记风险隐患 %(code)s。") % {"code": risk.code})
            return redirect("risks:detail", pk=risk.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "risks/risk_form.html", {"form": form, "creating": True}, status=status)


@require_http_methods(["GET"])
def risk_detail(request, pk):
    risk = get_visible_risk(
        request.user,
        pk,
        Risk.objects.with_detail_relations().select_related("campaign").prefetch_related("cooperating_units"),
    )
    events = (
        RiskEvent.objects.filter(risk=risk)
        .select_related("actor")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    actions = allowed_actions(request.user, risk)
    forms = [
        {"action": a, "label": ACTIONS[a].label, "form": ActionForm(action=a, risk=risk, prefix=a)}
        for a in actions
    ]
    return render(
        request,
        "risks/risk_detail.html",
        {
            "risk": risk,
            "events": events,
            "action_forms": forms,
            "can_edit": can_edit_risk(request.user, risk),
        },
    )


@require_http_methods(["GET", "POST"])
def risk_edit(request, pk):
    risk = get_visible_risk(request.user, pk)
    if not can_edit_risk(request.user, risk):
        raise PermissionDenied(_("您不能修改这条风险隐患。"))
    form = RiskForm(request.POST or None, instance=risk, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changes = workflow.risk_update(
                risk=risk,
                by=request.user,
                changed=form.save(commit=False),
                cooperating_units=form.cleaned_data["cooperating_units"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except NotAllowed:
            raise
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changes:
                messages.success(request, _("已保存修改（%(n)d 项）。") % {"n": len(changes)})
            else:
                messages.info(request, _("没有修改任何内容。"))
            return redirect("risks:detail", pk=risk.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "risks/risk_form.html", {"form": form, "risk": risk, "creating": False}, status=status
    )


# Each workflow action: the service and how the form's fields map onto its arguments.
SERVICES = {
    "assign": lambda r, u, d: workflow.risk_assign(
        risk=r, by=u, responsible=d["responsible"], text=d["text"]
    ),
    "sign_for": lambda r, u, d: workflow.risk_sign_for(risk=r, by=u, text=d["text"]),
    "progress": lambda r, u, d: workflow.risk_add_progress(risk=r, by=u, text=d["text"], files=d["files"]),
    "request_handover": lambda r, u, d: workflow.risk_request_handover(
        risk=r, by=u, to_unit=d["to_unit"], reason=d["text"]
    ),
    "accept_handover": lambda r, u, d: workflow.risk_accept_handover(risk=r, by=u, text=d["text"]),
    "refuse_handover": lambda r, u, d: workflow.risk_refuse_handover(risk=r, by=u, reason=d["text"]),
    "request_closure": lambda r, u, d: workflow.risk_request_closure(
        risk=r, by=u, text=d["text"], files=d["files"]
    ),
    "approve_closure": lambda r, u, d: workflow.risk_approve_closure(risk=r, by=u, text=d["text"]),
    "return_closure": lambda r, u, d: workflow.risk_return_closure(risk=r, by=u, reason=d["text"]),
    "request_extension": lambda r, u, d: workflow.risk_request_extension(
        risk=r, by=u, new_deadline=d["new_deadline"], reason=d["text"]
    ),
    "approve_extension": lambda r, u, d: workflow.risk_approve_extension(risk=r, by=u, text=d["text"]),
    "refuse_extension": lambda r, u, d: workflow.risk_refuse_extension(risk=r, by=u, reason=d["text"]),
    "withdraw": lambda r, u, d: workflow.risk_withdraw(risk=r, by=u, reason=d["text"]),
    "reopen": lambda r, u, d: workflow.risk_reopen(risk=r, by=u, reason=d["text"]),
    "supervise": lambda r, u, d: workflow.risk_supervise_manual(risk=r, by=u, text=d["text"]),
}
assert set(SERVICES) == set(ACTIONS) == set(ACTION_FIELDS)  # noqa: S101 - a programming error, at import


@require_POST
def risk_action(request, pk, action):
    if action not in SERVICES:
        raise Http404(_("没有这个操作。"))
    risk = get_visible_risk(request.user, pk, selectors.ledger_rows(request.user))
    form = ActionForm(request.POST, request.FILES, action=action, risk=risk, prefix=action)
    label = ACTIONS[action].label
    if not form.is_valid():
        for field, errors in form.errors.items():
            name = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{name} {error}".strip())
        return redirect("risks:detail", pk=risk.pk)
    data = {"text": "", "files": (), **form.cleaned_data}
    try:
        SERVICES[action](risk, request.user, data)
    except NotAllowed:
        raise
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, f"{label}：{message}")
    else:
        messages.success(request, _("已%(action)s。") % {"action": label})
    return redirect("risks:detail", pk=risk.pk)


@require_http_methods(["GET"])
def attachment_download(request, pk):
    try:
        attachment = Attachment.objects.select_related("risk").get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404(_("没有找到这个附件。")) from None
    # Raises 404 unless the person may see the risk the attachment belongs to.
    get_visible_risk(request.user, attachment.risk_id, visible_risks(request.user).only("pk"))
    return attachments.serve(attachment, user=request.user, summary=attachment.risk.code)
