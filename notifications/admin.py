from django.contrib import admin

from .models import AnnualStudyDate, CalendarDay, Delivery, Notice, ReminderRule, SweepRun, UnitChannel


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "enabled", "days", "days_major")
    list_editable = ("enabled", "days", "days_major")

    def has_add_permission(self, request):
        return False  # every rule has its row (migration 0002)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(AnnualStudyDate)
class AnnualStudyDateAdmin(admin.ModelAdmin):
    list_display = ("date", "title")


@admin.register(UnitChannel)
class UnitChannelAdmin(admin.ModelAdmin):
    list_display = ("unit", "channel", "enabled")
    list_filter = ("channel", "enabled")
    autocomplete_fields = ("unit",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rule", "title")
    list_filter = ("rule",)
    search_fields = ("title",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "recipient", "status", "attempts", "error")
    list_filter = ("channel", "status")


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "day", "notices", "notifications", "escalations", "finished_at")
