"""Forms: plain field checks and choices limited to what the person may pick.

Business rules (who may do what, from which state) are checked again by the services; the forms
give early, field-level messages in Chinese.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from campaigns.services import campaigns_for_new_risk
from notifications.calendar import due_date

from .models import (
    GRASSROOTS_KINDS,
    TERRITORY_KINDS,
    Category,
    Domain,
    Risk,
    Role,
    Source,
    Unit,
    UnitKind,
    display_name,
    today,
)
from .permissions import can_change_deadline_directly, unit_of, writable_units

User = get_user_model()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def empty_choice_reads_well(field: forms.Field) -> None:
    """Django's "---------" as the empty choice reads badly: say "请选择" (please choose)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = _("请选择")
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] in ("", None):
            field.choices = [("", _("请选择")), *choices[1:]]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = display_name(user)
        unit = getattr(getattr(user, "profile", None), "unit", None)
        return f"{name}（{unit}）" if unit else name


class PeopleQuerysets:
    @staticmethod
    def workers():
        return (
            User.objects.filter(is_active=True, profile__role__in=[Role.OFFICIAL, Role.UNIT_LEADER])
            .select_related("profile__unit")
            .order_by("profile__unit__path", "last_name", "first_name")
        )

    @staticmethod
    def district_leaders():
        return User.objects.filter(is_active=True, profile__role=Role.DISTRICT_LEADER).select_related(
            "profile__unit"
        )


def active_units(*kinds):
    qs = Unit.objects.filter(is_active=True)
    return qs.filter(kind__in=kinds) if kinds else qs


class RiskForm(forms.ModelForm):
    """Log or edit a risk. ``user`` limits the owner units and the defaults."""

    attachments = MultipleFileField(label=_("附件（照片、PDF 等）"), required=False)
    reason = forms.CharField(label=_("修改说明"), required=False, max_length=500)
    deadline_working_days = forms.IntegerField(
        label=_("或：发现后几个工作日"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=_("按节假日和调休安排计算整改时限（不含发现当天），填写后以此为准。"),
    )

    class Meta:
        model = Risk
        fields = [
            "title",
            "domain",
            "category",
            "level",
            "hazard_grade",
            "source",
            "campaign",
            "found_on",
            "township",
            "village",
            "address",
            "owner_unit",
            "cooperating_units",
            "supervising_unit",
            "responsible",
            "leader_in_charge",
            "description",
            "measures",
            "deadline",
            "is_black_swan",
            "is_grey_rhino",
            "remarks",
        ]
        widgets = {
            "found_on": DateInput(),
            "deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"responsible": PersonChoiceField, "leader_in_charge": PersonChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance.pk is not None
        f = self.fields
        f["domain"].queryset = Domain.objects.filter(is_active=True)
        f["category"].queryset = Category.objects.filter(is_active=True).select_related("domain", "parent")
        f["township"].queryset = active_units(*TERRITORY_KINDS)
        f["village"].queryset = active_units(*GRASSROOTS_KINDS)
        f["owner_unit"].queryset = writable_units(user)
        f["cooperating_units"].queryset = active_units()
        f["supervising_unit"].queryset = active_units(UnitKind.DEPARTMENT, UnitKind.OFFICE)
        f["responsible"].queryset = PeopleQuerysets.workers()
        f["leader_in_charge"].queryset = PeopleQuerysets.district_leaders()
        campaigns = campaigns_for_new_risk(user)
        if editing and self.instance.campaign_id:
            campaigns = campaigns | Campaign.objects.filter(pk=self.instance.campaign_id)
        f["campaign"].queryset = campaigns
        f["campaign"].help_text = _("选择专项行动后，来源记为“专项行动”。")
        f["responsible"].help_text = _("须为责任单位（或其下属单位）的人员；留空则由单位负责人交办。")
        f["deadline"].help_text = _("交办后只能通过延期申请变更。")
        if editing:
            del f["attachments"]
            # The owner changes only by handover (转办); the deadline only by extension after assignment.
            f["owner_unit"].disabled = True
            f["owner_unit"].queryset = Unit.objects.filter(pk=self.instance.owner_unit_id)
            f["responsible"].disabled = True
            if not can_change_deadline_directly(user, self.instance):
                f["deadline"].disabled = True
                del f["deadline_working_days"]
        else:
            del f["reason"]
            unit = unit_of(user)
            if unit is not None:
                territory = self._territory_of(unit)
                self.initial.setdefault("township", territory)
                self.initial.setdefault(
                    "owner_unit", unit if f["owner_unit"].queryset.filter(pk=unit.pk).exists() else None
                )
                if unit.is_grassroots:
                    self.initial.setdefault("village", unit)
            self.initial.setdefault("found_on", today())
        for name, field in f.items():
            empty_choice_reads_well(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if name in (
                "owner_unit",
                "cooperating_units",
                "supervising_unit",
                "responsible",
                "leader_in_charge",
                "village",
                "township",
                "category",
            ):
                widget.attrs["data-searchable"] = "1"
        if "deadline_working_days" in f:
            # A date or a number of working days: either one gives the deadline.
            f["deadline"].required = False
            names = list(f)
            names.remove("deadline_working_days")
            names.insert(names.index("deadline") + 1, "deadline_working_days")
            self.order_fields(names)

    @staticmethod
    def _territory_of(unit: Unit):
        if unit.is_territory:
            return unit
        if unit.is_grassroots:
            parent = unit.get_parent()
            return parent if parent and parent.is_territory else None
        return None

    def clean_found_on(self):
        found_on = self.cleaned_data["found_on"]
        if found_on and found_on > today():
            raise forms.ValidationError(_("发现日期不能晚于今天。"))
        return found_on

    def clean(self):
        data = super().clean()
        working_days = data.get("deadline_working_days")
        if working_days and data.get("found_on"):
            data["deadline"] = due_date(data["found_on"], working_days)
        elif (
            "deadline_working_days" in self.fields
            and not data.get("deadline")
            and "deadline" not in self.errors
        ):
            # Django's own "required" message, as for any other empty required field.
            self.add_error("deadline", self.fields["deadline"].error_messages["required"])
        found_on, deadline = data.get("found_on"), data.get("deadline")
        if found_on and deadline and deadline < found_on:
            self.add_error("deadline", _("整改时限不能早于发现日期。"))
        township, village = data.get("township"), data.get("village")
        if township and village and not village.is_within(township):
            self.add_error("village", _("所选村(社区)不属于所选乡镇(街道)。"))
        domain, category = data.get("domain"), data.get("category")
        if domain and category and category.domain_id != domain.pk:
            self.add_error("category", _("所选类别不属于所选领域。"))
        owner, responsible = data.get("owner_unit"), data.get("responsible")
        if owner and responsible and not self.fields["responsible"].disabled:
            unit = getattr(getattr(responsible, "profile", None), "unit", None)
            if unit is None or not unit.is_within(owner):
                self.add_error("responsible", _("责任人必须是责任单位（或其下属单位）的人员。"))
        if data.get("campaign"):
            data["source"] = Source.CAMPAIGN  # logged against a campaign: found by it
        supervising = data.get("supervising_unit")
        if owner and supervising and supervising.pk == owner.pk:
            self.add_error("supervising_unit", _("行业主管部门不能与责任单位相同。"))
        cooperating = data.get("cooperating_units")
        if owner and cooperating and owner in cooperating:
            self.add_error("cooperating_units", _("配合单位不能包括责任单位本身。"))
        return data


class ActionForm(forms.Form):
    """The fields a workflow action needs; ``ACTION_FIELDS`` says which, and which are required."""

    text = forms.CharField(
        label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible = PersonChoiceField(label=_("责任人"), queryset=User.objects.none(), required=False)
    to_unit = forms.ModelChoiceField(label=_("转办至"), queryset=Unit.objects.none(), required=False)
    new_deadline = forms.DateField(label=_("延期至"), required=False, widget=DateInput())
    files = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, action: str, risk: Risk, **kwargs):
        super().__init__(*args, **kwargs)
        spec = ACTION_FIELDS[action]
        for name in list(self.fields):
            if name not in spec["fields"]:
                del self.fields[name]
        self.order_fields(spec["fields"])
        if "text" in self.fields:
            self.fields["text"].label = spec.get("text_label", _("说明"))
            self.fields["text"].required = spec.get("text_required", False)
        if "responsible" in self.fields:
            self.fields["responsible"].required = True
            self.fields["responsible"].queryset = PeopleQuerysets.workers().filter(
                profile__unit__path__startswith=risk.owner_unit.path
            )
        if "to_unit" in self.fields:
            self.fields["to_unit"].required = True
            self.fields["to_unit"].queryset = active_units().exclude(pk=risk.owner_unit_id)
        if "new_deadline" in self.fields:
            self.fields["new_deadline"].required = True
        for name, field in self.fields.items():
            empty_choice_reads_well(field)
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if name in ("responsible", "to_unit"):
                field.widget.attrs["data-searchable"] = "1"


ACTION_FIELDS = {
    "assign": {"fields": ("responsible", "text"), "text_label": _("交办意见")},
    "sign_for": {"fields": ("text",), "text_label": _("签收意见")},
    "progress": {"fields": ("text", "files"), "text_label": _("整改进展"), "text_required": True},
    "request_handover": {"fields": ("to_unit", "text"), "text_label": _("转办理由"), "text_required": True},
    "accept_handover": {"fields": ("text",), "text_label": _("接收意见")},
    "refuse_handover": {"fields": ("text",), "text_label": _("拒绝理由"), "text_required": True},
    "request_closure": {"fields": ("text", "files"), "text_label": _("整改完成情况"), "text_required": True},
    "approve_closure": {"fields": ("text",), "text_label": _("验收意见")},
    "return_closure": {"fields": ("text",), "text_label": _("退回理由"), "text_required": True},
    "request_extension": {
        "fields": ("new_deadline", "text"),
        "text_label": _("延期理由"),
        "text_required": True,
    },
    "approve_extension": {"fields": ("text",), "text_label": _("审批意见")},
    "refuse_extension": {"fields": ("text",), "text_label": _("驳回理由"), "text_required": True},
    "withdraw": {"fields": ("text",), "text_label": _("撤销理由"), "text_required": True},
    "reopen": {"fields": ("text",), "text_label": _("重新打开的理由"), "text_required": True},
    "supervise": {"fields": ("text",), "text_label": _("督办意见"), "text_required": True},
}
