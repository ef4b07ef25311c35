from django.contrib import admin

from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read only: campaigns are created and closed on their pages, through the audited services."""

    list_display = ("name", "starts_on", "ends_on", "lead_unit", "state")
    list_filter = ("state",)
    search_fields = ("name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
