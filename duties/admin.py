from django.contrib import admin

from .models import DutyItem, DutyList, DutyRecord


class DutyItemInline(admin.StackedInline):
    model = DutyItem
    extra = 0
    autocomplete_fields = ("lead_unit",)
    filter_horizontal = ("categories", "cooperating_units", "responsible_people")


@admin.register(DutyList)
class DutyListAdmin(admin.ModelAdmin):
    """For superusers only; admins keep lists on the /duties/ pages, which write the audit log."""

    list_display = ("unit", "year", "title")
    list_filter = ("year",)
    list_select_related = ("unit",)
    inlines = [DutyItemInline]


@admin.register(DutyRecord)
class DutyRecordAdmin(admin.ModelAdmin):
    list_display = ("on", "item", "created_by")
    list_select_related = ("item", "created_by")
    readonly_fields = ("item", "on", "text", "risks", "created_by", "created_at")
