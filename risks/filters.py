"""The ledger's filters (django-filter). They live in the URL so a view can be bookmarked."""

import django_filters as df
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from campaigns.services import visible_campaigns

from .models import (
    GRASSROOTS_KINDS,
    TERRITORY_KINDS,
    Category,
    Domain,
    Level,
    Risk,
    Role,
    Source,
    State,
    SupervisionLight,
    Unit,
    UnitKind,
    today,
)
from .permissions import visible_units
from .selectors import TODO_TITLES, todo_filters

User = get_user_model()


class UnitChoiceFilter(df.ModelChoiceFilter):
    """A unit and all below it."""

    def __init__(self, *args, fields, **kwargs):
        self.unit_fields = fields
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        # The subtree as a subquery on ids: the risk's foreign-key indexes, no join on path.
        subtree = value.subtree().values("pk")
        condition = Q()
        for field in self.unit_fields:
            condition |= Q(**{f"{field}__in": subtree})
        return qs.filter(condition)


def _units(request, kinds=None):
    qs = visible_units(request.user if request else None).filter(is_active=True)
    return qs.filter(kind__in=kinds) if kinds else qs


def domain_choices():
    return [(str(d.pk), str(d)) for d in Domain.objects.filter(is_active=True)]


class RiskFilter(df.FilterSet):
    q = df.CharFilter(label=_("关键词"), method="filter_keyword")
    # Choices, not a model queryset: the form validates against the list it renders, one query
    # instead of two (the bench holds every ledger page to 20 queries).
    domain = df.ChoiceFilter(label=_("所属领域"), choices=domain_choices, method="filter_domain")
    category = df.ModelChoiceFilter(
        label=_("类别"), queryset=Category.objects.select_related("parent"), method="filter_category"
    )
    # distinct=False: a risk's own column cannot repeat a row, and SELECT DISTINCT over every
    # column of the page cost more than the rest of the query (bench).
    level = df.MultipleChoiceFilter(label=_("风险等级"), choices=Level.choices, distinct=False)
    state = df.MultipleChoiceFilter(label=_("状态"), choices=State.choices, distinct=False)
    owner_unit = UnitChoiceFilter(
        label=_("责任单位（含下级）"), fields=["owner_unit"], queryset=lambda request: _units(request)
    )
    location = UnitChoiceFilter(
        label=_("所在地（含下级）"),
        fields=["township", "village"],
        queryset=lambda request: _units(request, [*TERRITORY_KINDS, *GRASSROOTS_KINDS]),
    )
    supervising_unit = df.ModelChoiceFilter(
        label=_("行业主管部门"),
        queryset=Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.OFFICE], is_active=True),
    )
    responsible = df.ModelChoiceFilter(
        label=_("责任人"),
        queryset=lambda request: User.objects.filter(
            profile__unit__in=_units(request), profile__role__in=[Role.OFFICIAL, Role.UNIT_LEADER]
        ).order_by("username"),
    )
    source = df.ChoiceFilter(label=_("来源"), choices=Source.choices)
    supervision_light = df.ChoiceFilter(label=_("督办"), choices=SupervisionLight.choices)
    tag = df.ChoiceFilter(
        label=_("标签"),
        choices=[("black_swan", _("黑天鹅")), ("grey_rhino", _("灰犀牛"))],
        method="filter_tag",
    )
    overdue = df.BooleanFilter(label=_("只看逾期"), method="filter_overdue", widget=forms.CheckboxInput)
    # The leaders' dashboard links here with these (quarters.dashboard): each figure's ledger.
    open = df.BooleanFilter(label=_("只看未销号"), method="filter_open", widget=forms.CheckboxInput)
    on_time = df.BooleanFilter(label=_("按期销号"), method="filter_on_time", widget=forms.CheckboxInput)
    created = df.DateFromToRangeFilter(
        field_name="created_at",
        label=_("登记日期"),
        widget=df.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    closed = df.DateFromToRangeFilter(
        field_name="closed_at", label=_("销号日期"), widget=df.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    owner_exact = df.ModelChoiceFilter(
        label=_("责任单位（本级）"), field_name="owner_unit", queryset=lambda request: _units(request)
    )
    deadline = df.DateFromToRangeFilter(
        label=_("整改时限"), widget=df.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    found_on = df.DateFromToRangeFilter(
        label=_("发现日期"), widget=df.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    campaign = df.ModelChoiceFilter(
        label=_("专项行动"), queryset=lambda request: visible_campaigns(request.user if request else None)
    )
    todo = df.ChoiceFilter(
        label=_("我的工作"),
        method="filter_todo",
        choices=list(TODO_TITLES.items()),
    )

    class Meta:
        model = Risk
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the domains once: validation and rendering then use the same list.
        self.form.fields["domain"].choices = list(self.form.fields["domain"].choices)
        for name, field in self.form.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
                widget.attrs["data-searchable"] = "1"
                widget.attrs["data-placeholder"] = _("全部")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
                if name in ("owner_unit", "location", "responsible", "category", "supervising_unit"):
                    widget.attrs["data-searchable"] = "1"
            elif isinstance(widget, df.widgets.RangeWidget):
                # Two inputs under one <label>: each gets its own accessible name.
                for sub, end in zip(widget.widgets, (_("起"), _("止")), strict=True):
                    sub.attrs.update(
                        {
                            "class": "form-control",
                            "type": "date",
                            "aria-label": format_lazy("{}（{}）", field.label, end),
                        }
                    )
            else:
                widget.attrs.setdefault("class", "form-control")
        self.form.fields["q"].widget.attrs["placeholder"] = _("名称、编号、地址或描述")

    def filter_keyword(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        # Chinese has no case: without letters that have one, a plain LIKE finds the same rows
        # and spares the database an UPPER() of every text of every risk (bench: 4× faster).
        lookup = "icontains" if value.lower() != value.upper() else "contains"
        return qs.filter(
            Q(**{f"code__{lookup}": value})
            | Q(**{f"title__{lookup}": value})
            | Q(**{f"address__{lookup}": value})
            | Q(**{f"description__{lookup}": value})
        )

    def filter_domain(self, qs, name, value):
        return qs.filter(domain_id=int(value)) if value else qs

    def filter_category(self, qs, name, value):
        # A category includes its sub-categories (安全生产 includes 矿山).
        return qs.filter(Q(category=value) | Q(category__parent=value)) if value else qs

    def filter_tag(self, qs, name, value):
        return qs.filter(**{f"is_{value}": True}) if value else qs

    def filter_overdue(self, qs, name, value):
        return qs.overdue() if value else qs

    def filter_open(self, qs, name, value):
        return qs.open() if value else qs

    def filter_on_time(self, qs, name, value):
        # Closed on or before the deadline (the day in Asia/Shanghai).
        return qs.filter(state=State.CLOSED, closed_at__date__lte=F("deadline")) if value else qs

    def filter_todo(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(todo_filters(self.request.user, today())[value])
