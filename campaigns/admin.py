from django.contrib import admin

from risks.admin import ReadOnlyAdmin

from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """Read only: campaigns are created and closed on their pages, through the audited services."""

    list_display = ("name", "starts_on", "ends_on", "lead_unit", "state")
    list_filter = ("state",)
    search_fields = ("name",)
