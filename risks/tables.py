"""The ledger table (django-tables2). Columns rendered as HTML have a plain value for export."""

import django_tables2 as tables
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Risk, display_name
from .pagination import LedgerPaginator, with_tiebreak
from .templatetags.risks_tags import deadline_badge, level_badge, light_badge, state_badge


class RiskTable(tables.Table):
    code = tables.Column(verbose_name=_("编号"), attrs={"td": {"class": "text-nowrap"}})
    title = tables.Column(verbose_name=_("风险隐患名称"), attrs={"td": {"class": "ledger-title"}})
    level = tables.Column(verbose_name=_("风险等级"), order_by=("level",))
    domain = tables.Column(verbose_name=_("所属领域"), accessor="domain__name", order_by=("domain__order",))
    township = tables.Column(
        verbose_name=_("所在乡镇(街道)"), accessor="township__name", order_by=("township__path",)
    )
    owner_unit = tables.Column(
        verbose_name=_("责任单位"), accessor="owner_unit__name", order_by=("owner_unit__path",)
    )
    responsible = tables.Column(
        verbose_name=_("责任人"), order_by=("responsible__last_name", "responsible__first_name")
    )
    deadline = tables.Column(verbose_name=_("整改时限"), attrs={"td": {"class": "text-nowrap"}})
    state = tables.Column(verbose_name=_("状态"))
    supervision_light = tables.Column(verbose_name=_("督办"))

    class Meta:
        model = Risk
        fields = ()
        sequence = (
            "code",
            "title",
            "level",
            "deadline",
            "state",
            "domain",
            "township",
            "owner_unit",
            "responsible",
            "supervision_light",
        )
        order_by = ("-created_at",)
        empty_text = _("没有符合条件的风险隐患。可以调整筛选条件，或登记一条新的风险隐患。")
        row_attrs = {"class": lambda record: "table-overdue" if record.is_overdue else ""}

    MAX_PER_PAGE = 200

    def paginate(self, *args, per_page=None, **kwargs):
        # ?per_page= is honoured up to 200 rows (a meeting prints a long page), never unbounded.
        per_page = min(max(int(per_page or 25), 1), self.MAX_PER_PAGE)
        # Far pages are read from the other end (risks.pagination); both ends need one order.
        if isinstance(self.data.data, QuerySet):
            self.data.data = with_tiebreak(self.data.data)
        kwargs.setdefault("paginator_class", LedgerPaginator)
        return super().paginate(*args, per_page=per_page, **kwargs)

    def render_code(self, record):
        return format_html('<a href="{}">{}</a>', reverse("risks:detail", args=[record.pk]), record.code)

    def render_title(self, record):
        return format_html('<a href="{}">{}</a>', reverse("risks:detail", args=[record.pk]), record.title)

    def render_level(self, record):
        return level_badge(record)

    def render_state(self, record):
        return state_badge(record)

    def render_deadline(self, record):
        return format_html("{}<br>{}", record.deadline.isoformat(), deadline_badge(record))

    def render_supervision_light(self, record):
        return light_badge(record)

    def render_responsible(self, record):
        return display_name(record.responsible) or "—"

    def value_level(self, record):
        return record.get_level_display()

    def value_state(self, record):
        return record.get_state_display()

    def value_supervision_light(self, record):
        return record.get_supervision_light_display()

    def value_deadline(self, record):
        return record.deadline.isoformat()

    def value_responsible(self, record):
        return display_name(record.responsible)
