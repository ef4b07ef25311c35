"""HTTP only: each view starts from quarters.permissions, reads or calls a service, and answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from risks import attachments, audit
from risks.forms import RiskForm
from risks.models import AuditAction
from risks.permissions import NotAllowed, profile_of, visible_risks, visible_units

from . import services
from .dashboard import build_dashboard
from .exports import report_pdf, report_xlsx
from .figures import last_quarters, parse_quarter
from .forms import AnswerForm, DirectiveForm, MeetingForm
from .models import Directive, DirectiveKind, Receipt, ReceiptAttachment, ReviewMeeting
from .permissions import answers_for, can_issue, can_sign_off, can_view_quarter, quarter_scope
from .reports import build_report


def _errors(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


@require_http_methods(["GET"])
def dashboard(request):
    unit = quarter_scope(request.user)
    return render(request, "quarters/dashboard.html", build_dashboard(request.user, unit))


@require_http_methods(["GET"])
def report_index(request):
    unit = quarter_scope(request.user)
    quarters = last_quarters(9)[:-1][::-1]
    return render(request, "quarters/report_index.html", {"quarters": quarters, "unit": unit})


class QuarterUnavailable(Exception):
    pass


def _report(request, year, quarter):
    unit = quarter_scope(request.user)
    try:
        which = parse_quarter(year, quarter, ended=True)
    except ValidationError as error:
        raise QuarterUnavailable(*error.messages) from None
    return build_report(which, unit=unit)


def _unavailable(request, error: QuarterUnavailable):
    # The site's 404 page never shows an exception's text, so this page says what is wrong.
    return render(request, "quarters/report_unavailable.html", {"problems": error.args}, status=404)


@require_http_methods(["GET"])
def report(request, year, quarter):
    try:
        return render(request, "quarters/report.html", _report(request, year, quarter))
    except QuarterUnavailable as error:
        return _unavailable(request, error)


@require_http_methods(["GET"])
def report_download(request, year, quarter, fmt):
    try:
        data = _report(request, year, quarter)
    except QuarterUnavailable as error:
        return _unavailable(request, error)
    name = f"quarter-report-{data['quarter'].short}"
    if fmt == "pdf":
        body = report_pdf(data, base_url=request.build_absolute_uri("/"))
        content_type = "application/pdf"
    else:
        body = report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="quarters.report",
        object_id=data["quarter"].short,
        object_repr=str(data["quarter"].label),
        summary=f"{fmt}：{data['unit'] or _('全区')}",
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Review meetings


def _meeting_or_404(request, pk) -> ReviewMeeting:
    if not can_view_quarter(request.user):
        raise PermissionDenied(_("只有区领导、管理员和单位负责人可以查看研判会议。"))
    try:
        return ReviewMeeting.objects.select_related("created_by", "signed_off_by").get(pk=pk)
    except ReviewMeeting.DoesNotExist:
        raise Http404(_("没有找到这个会议记录。")) from None


@require_http_methods(["GET"])
def meeting_list(request):
    if not can_view_quarter(request.user):
        raise PermissionDenied(_("只有区领导、管理员和单位负责人可以查看研判会议。"))
    meetings = ReviewMeeting.objects.select_related("signed_off_by").order_by("-held_on", "-id")[:200]
    return render(
        request, "quarters/meeting_list.html", {"meetings": meetings, "can_issue": can_issue(request.user)}
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request):
    if not can_issue(request.user):
        raise PermissionDenied(_("只有区领导和管理员可以记录研判会议。"))
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(
                by=request.user,
                meeting=form.save(commit=False),
                risks=form.cleaned_data["risks"],
                reports=form.cleaned_data["reports"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存会议记录。"))
            return redirect("quarters:meeting", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "quarters/meeting_form.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def meeting_detail(request, pk):
    meeting = _meeting_or_404(request, pk)
    return render(
        request,
        "quarters/meeting_detail.html",
        {
            "meeting": meeting,
            # A meeting is district-wide; the risks it names are shown only as far as the reader may see them.
            "risks": visible_risks(request.user, meeting.risks.order_by("code")),
            "reports": meeting.reports.select_related("unit"),
            "directives": meeting.directives.order_by("-issued_at"),
            "can_sign_off": can_sign_off(request.user) and not meeting.is_signed_off,
            "can_issue": can_issue(request.user),
        },
    )


@require_POST
def meeting_sign_off(request, pk):
    meeting = _meeting_or_404(request, pk)
    try:
        services.meeting_sign_off(by=request.user, meeting=meeting)
    except NotAllowed:
        raise
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("已签发研判结论。"))
    return redirect("quarters:meeting", pk=meeting.pk)


# ---------------------------------------------------------------------------------------------
# Warnings and assignments


def _directives_for(user):
    """Issuers see every directive; a unit's people those sent to their unit (subtree)."""
    qs = Directive.objects.all()
    if can_issue(user):
        return qs
    if profile_of(user) is None:
        return qs.none()
    return qs.filter(receipts__unit__in=visible_units(user)).distinct()


def _directive_or_404(request, pk) -> Directive:
    try:
        return _directives_for(request.user).select_related("issued_by", "meeting").get(pk=pk)
    except (Directive.DoesNotExist, ValueError):
        raise Http404(_("没有找到这份预警或交办单，或您无权查看。")) from None


@require_http_methods(["GET"])
def directive_list(request):
    directives = (
        _directives_for(request.user)
        .select_related("issued_by")
        .annotate(
            n_units=Count("receipts", distinct=True),
            n_signed=Count("receipts", filter=Q(receipts__signed_at__isnull=False), distinct=True),
            n_answered=Count("receipts", filter=Q(receipts__answered_at__isnull=False), distinct=True),
        )
        .order_by("-issued_at", "-id")[:200]
    )
    return render(
        request,
        "quarters/directive_list.html",
        {"directives": directives, "can_issue": can_issue(request.user)},
    )


@require_http_methods(["GET", "POST"])
def directive_create(request):
    if not can_issue(request.user):
        raise PermissionDenied(_("只有区领导和管理员可以下发预警和交办单。"))
    initial = {}
    if request.GET.get("meeting", "").isdigit():
        initial["meeting"] = request.GET["meeting"]
    form = DirectiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            directive = services.directive_issue(
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                content=data["content"],
                deadline=data["deadline"],
                units=data["units"],
                color=data["color"],
                meeting=data["meeting"],
            )
        except NotAllowed:
            raise
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已下发“%(t)s”。") % {"t": directive.title})
            return redirect("quarters:directive", pk=directive.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "quarters/directive_form.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def directive_detail(request, pk):
    directive = _directive_or_404(request, pk)
    receipts = directive.receipts.select_related("unit", "signed_by", "answered_by").prefetch_related(
        Prefetch("attachments", queryset=ReceiptAttachment.objects.order_by("id"))
    )
    rows = [
        {"receipt": r, "mine": answers_for(request.user, r.unit), "form": AnswerForm(prefix=f"r{r.pk}")}
        for r in receipts
    ]
    return render(
        request,
        "quarters/directive_detail.html",
        {
            "directive": directive,
            "rows": rows,
            "risks": directive.risks.order_by("code"),
            "can_add_risk": directive.kind == DirectiveKind.ASSIGNMENT
            and (can_issue(request.user) or any(row["mine"] for row in rows)),
        },
    )


def _receipt_or_404(request, pk) -> Receipt:
    try:
        receipt = Receipt.objects.select_related("directive", "unit").get(pk=pk)
    except Receipt.DoesNotExist:
        raise Http404(_("没有找到这条签收记录。")) from None
    _directive_or_404(request, receipt.directive_id)  # 404 outside the person's directives
    return receipt


@require_POST
def receipt_sign(request, pk):
    receipt = _receipt_or_404(request, pk)
    try:
        services.receipt_sign(by=request.user, receipt=receipt)
    except NotAllowed:
        raise
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("已签收。"))
    return redirect("quarters:directive", pk=receipt.directive_id)


@require_POST
def receipt_answer(request, pk):
    receipt = _receipt_or_404(request, pk)
    form = AnswerForm(request.POST, request.FILES, prefix=f"r{receipt.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("quarters:directive", pk=receipt.directive_id)
    try:
        services.receipt_answer(
            by=request.user, receipt=receipt, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
        )
    except NotAllowed:
        raise
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("已反馈。"))
    return redirect("quarters:directive", pk=receipt.directive_id)


@require_http_methods(["GET"])
def receipt_file(request, pk):
    try:
        attachment = ReceiptAttachment.objects.select_related("receipt").get(pk=pk)
    except ReceiptAttachment.DoesNotExist:
        raise Http404(_("没有找到这个附件。")) from None
    _directive_or_404(request, attachment.receipt.directive_id)
    return attachments.serve(attachment, user=request.user)


@require_http_methods(["GET", "POST"])
def directive_add_risk(request, pk):
    """An assignment puts a risk on the ledger (来源：上级交办)."""
    directive = _directive_or_404(request, pk)
    if directive.kind != DirectiveKind.ASSIGNMENT:
        raise Http404(_("只有交办单可以生成台账风险。"))
    if not (
        can_issue(request.user)
        or directive.receipts.filter(unit__in=services.units_answered_by(request.user)).exists()
    ):
        raise PermissionDenied(_("您不能为这份交办单登记风险。"))
    form = RiskForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.directive_create_risk(
                by=request.user,
                directive=directive,
                risk=form.save(commit=False),
                cooperating_units=form.cleaned_data["cooperating_units"],
            )
        except NotAllowed:
            raise
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已登记风险隐患 %(code)s。") % {"code": risk.code})
            return redirect("risks:detail", pk=risk.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "risks/risk_form.html",
        {"form": form, "creating": True, "directive": directive},
        status=status,
    )
