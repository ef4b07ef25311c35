"""HTTP only: the notification centre, channel preferences, quarterly reports, and the admin page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from risks.models import QuarterlyReport, Unit
from risks.permissions import is_admin

from . import delivery, quarterly
from .calendar import quarter_end
from .channels import DeliveryError
from .forms import PreferenceForm, QuarterlyReportForm, TestMessageForm
from .models import Delivery, DeliveryStatus, Notice, Notification, ReminderRule, SweepRun
from .rules import REPORTING_KINDS, load_rules


@require_http_methods(["GET"])
def notification_list(request):
    qs = Notification.objects.filter(user=request.user).select_related("notice")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page, "unread_only": unread_only})


@require_http_methods(["GET"])
def notification_open(request, pk):
    """Mark one's own notification read and go to what it is about (which checks scope again)."""
    notification = get_object_or_404(Notification.objects.select_related("notice"), pk=pk, user=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    link = notification.notice.link
    if not link or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(link)


@require_POST
def notification_mark_read(request):
    ids = request.POST.getlist("id")
    qs = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if ids:
        try:
            qs = qs.filter(pk__in=[int(i) for i in ids])
        except ValueError:
            messages.error(request, _("请求无效。"))
            return redirect("notifications:list")
    n = qs.update(read_at=timezone.now())
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": n})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def preferences(request):
    # An unticked box sends an empty form: bind it whenever the method is POST.
    form = PreferenceForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("已保存通知设置。"))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


def _quarter_from(request) -> tuple[int, int]:
    year, quarter = quarterly.current_quarter()
    try:
        year = int(request.GET.get("year", year))
        quarter = int(request.GET.get("quarter", quarter))
    except ValueError:
        raise Http404(_("季度参数无效。")) from None
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        raise Http404(_("季度参数无效。"))
    return year, quarter


@require_http_methods(["GET", "POST"])
def quarterly_reports(request):
    """A unit's reports and its submit form; the district sees every unit's status."""
    unit = quarterly.reporting_unit(request.user)
    sees_all = quarterly.sees_all_reports(request.user)
    if unit is None and not sees_all:
        raise PermissionDenied(_("您的单位不需要报送季度报告。"))
    year, quarter = _quarter_from(request)
    form = None
    if unit is not None:
        existing = QuarterlyReport.objects.filter(unit=unit, year=year, quarter=quarter).first()
        initial = {"analysis": existing.analysis if existing else "", "year": year, "quarter": quarter}
        form = QuarterlyReportForm(request.POST or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                try:
                    quarterly.quarterly_report_submit(by=request.user, **form.cleaned_data)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    messages.success(
                        request, _("已报送%(y)d年第%(q)d季度单位季度报告。") % {"y": year, "q": quarter}
                    )
                    return redirect(f"{request.path}?year={year}&quarter={quarter}")
    elif request.method == "POST":
        raise PermissionDenied(_("只有报送单位的人员可以报送季度报告。"))
    context = {
        "year": year,
        "quarter": quarter,
        "quarter_end": quarter_end(year, quarter),
        "unit": unit,
        "form": form,
        "may_submit": unit is not None and quarterly.may_submit_for(year, quarter, timezone.localdate()),
        "own_reports": QuarterlyReport.objects.filter(unit=unit).order_by("-year", "-quarter")[:8]
        if unit
        else [],
    }
    if sees_all:
        submitted = QuarterlyReport.objects.filter(year=year, quarter=quarter, submitted_at__isnull=False)
        reports = {r.unit_id: r for r in submitted.select_related("submitted_by")}
        units = list(Unit.objects.filter(kind__in=REPORTING_KINDS, is_active=True).order_by("path"))
        context["status_rows"] = [(u, reports.get(u.pk)) for u in units]
        context["missing"] = sum(1 for u in units if u.pk not in reports)
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/quarterly_reports.html", context, status=status)


def _require_admin(request):
    if not is_admin(request.user):
        raise PermissionDenied(_("只有系统管理员可以管理提醒系统。"))


@require_http_methods(["GET"])
def system(request):
    """The reminder system at a glance: schedule, rules, last sweep, failed deliveries."""
    _require_admin(request)
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED).order_by("-created_at")
    counts = Delivery.objects.aggregate(
        pending=Count("pk", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
    )
    schedule = [
        {
            "name": name,
            "task": entry["task"],
            "schedule": entry["schedule"],
            "expires": entry["options"]["expires"],
        }
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    ]
    rule_rows = {r.code: r for r in ReminderRule.objects.all()}
    rules = [(setting, rule_rows.get(code)) for code, setting in load_rules().items()]
    last = SweepRun.objects.first()
    return render(
        request,
        "notifications/system.html",
        {
            "schedule": schedule,
            "rules": rules,
            "last_sweep": last,
            "last_sweep_failed": failed.filter(created_at__gte=last.started_at).count() if last else 0,
            "failed": failed.select_related("unit", "user")[:50],
            "counts": counts,
            "notice_count": Notice.objects.count(),
            "test_form": TestMessageForm(),
        },
    )


@require_POST
def delivery_retry(request, pk):
    _require_admin(request)
    target = get_object_or_404(Delivery, pk=pk)
    if target.status != DeliveryStatus.FAILED:
        messages.error(request, _("只有发送失败的记录可以重新发送。"))
        return redirect("notifications:system")
    delivery.delivery_retry(delivery=target, by=request.user)
    result = delivery.send_one(target.pk)
    if result is not None and result.status == DeliveryStatus.SENT:
        messages.success(request, _("已重新发送。"))
    else:
        messages.warning(request, _("已重新排队，稍后自动重试。"))
    return redirect("notifications:system")


@require_POST
def send_test(request):
    _require_admin(request)
    form = TestMessageForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("notifications:system")
    try:
        result = delivery.send_test(by=request.user, **form.cleaned_data)
    except DeliveryError as error:
        messages.error(request, str(error))
        return redirect("notifications:system")
    if result.status == DeliveryStatus.SENT:
        messages.success(request, _("测试消息已发送（%(c)s）。") % {"c": result.get_channel_display()})
    else:
        messages.error(
            request,
            _("测试消息发送失败（%(c)s）：%(e)s") % {"c": result.get_channel_display(), "e": result.error},
        )
    return redirect("notifications:system")
