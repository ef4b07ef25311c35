from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Attachment, AuditEntry, Category, Domain, Profile, QuarterlyReport, Risk, RiskEvent, Unit
from .permissions import Perm, has_perm


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ("name", "code", "kind", "is_active")
    search_fields = ("name", "code")
    list_filter = ("kind", "is_active")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role", "title")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name")
    autocomplete_fields = ("unit",)
    list_select_related = ("user", "unit")
    # Roles and data scopes change only on the org pages, which enforce 三员 and write the audit
    # log; here even a superuser cannot grant himself the auditor's role.
    readonly_fields = ("role", "custom_scope_units")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "parent", "order", "is_active")
    list_filter = ("domain",)
    list_select_related = ("domain", "parent")


class RiskEventInline(admin.TabularInline):
    model = RiskEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_state", "to_state", "text")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the workflow services, which write the timeline."""

    list_display = ("code", "title", "domain", "level", "state", "owner_unit", "deadline")
    list_filter = ("level", "state", "domain", "source")
    search_fields = ("code", "title")
    list_select_related = ("domain", "owner_unit")
    readonly_fields = [f.name for f in Risk._meta.fields] + ["cooperating_units"]
    inlines = [RiskEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "risk", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = (
        "event",
        "risk",
        "file",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nobody, superusers included, may add, change or delete here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # 三员: only the auditor's rights read the log, also here (a superuser admin may not).
        return has_perm(request.user, Perm.READ_AUDIT)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, written by risks.audit.record alone."""

    list_display = ("at", "actor_name", "action", "object_type", "object_repr", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "summary")


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "quarter", "ledger_confirmed", "submitted_at")
    list_filter = ("year", "quarter")
