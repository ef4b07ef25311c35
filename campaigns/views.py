"""Campaign pages: list, detail (progress by unit, chart, link to its ledger), create, close."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from risks.permissions import visible_risks

from . import services
from .forms import CampaignForm
from .models import Campaign


def _visible_campaign(user, pk) -> Campaign:
    campaign = (
        services.visible_campaigns(user)
        .select_related("lead_unit", "created_by", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404(_("没有找到这个专项行动，或您无权查看。"))
    return campaign


@require_http_methods(["GET"])
def campaign_list(request):
    found = (
        visible_risks(request.user)
        .filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("id"))
        .values("n")
    )
    campaigns = (
        services.visible_campaigns(request.user).select_related("lead_unit").annotate(found=Subquery(found))
    )
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": campaigns, "can_manage": services.can_manage_campaigns(request.user)},
    )


@require_http_methods(["GET"])
def campaign_detail(request, pk):
    campaign = _visible_campaign(request.user, pk)
    rows = services.campaign_progress(request.user, campaign)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "totals": services.progress_totals(rows),
            "chart": services.chart_data(rows),
            "participants": campaign.units.order_by("path"),
            "domains": campaign.domains.all(),
            "categories": campaign.categories.select_related("parent"),
            "can_manage": services.can_manage_campaigns(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def campaign_create(request):
    if not services.can_manage_campaigns(request.user):
        raise PermissionDenied(_("只有管理员可以创建专项行动。"))
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = services.campaign_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("已创建专项行动“%(name)s”。") % {"name": campaign.name})
        return redirect("campaigns:detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/campaign_form.html", {"form": form}, status=status)


@require_POST
def campaign_close(request, pk):
    campaign = _visible_campaign(request.user, pk)
    if not services.can_manage_campaigns(request.user):
        raise PermissionDenied(_("只有管理员可以结束专项行动。"))
    services.campaign_close(campaign=campaign, by=request.user)
    messages.success(request, _("专项行动“%(name)s”已结束。") % {"name": campaign.name})
    return redirect("campaigns:detail", pk=campaign.pk)
