"""Plain forms; the rules (who, which units, which dates) are checked again by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from risks.forms import DateInput, MultipleFileField
from risks.models import QuarterlyReport, Unit
from risks.permissions import visible_risks

from .models import Directive, DirectiveKind, ReviewMeeting, WarningColor


def _style(form):
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
            if isinstance(widget, forms.SelectMultiple) or name in ("meeting",):
                widget.attrs["data-searchable"] = "1"
        else:
            widget.attrs.setdefault("class", "form-control")


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name}（{unit.get_kind_display()}）"


class MeetingForm(forms.ModelForm):
    class Meta:
        model = ReviewMeeting
        fields = [
            "kind",
            "year",
            "quarter",
            "held_on",
            "title",
            "attendees",
            "analysis",
            "conclusions",
            "instructions",
            "risks",
            "reports",
        ]
        widgets = {
            "held_on": DateInput(),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "analysis": forms.Textarea(attrs={"rows": 5}),
            "conclusions": forms.Textarea(attrs={"rows": 4}),
            "instructions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].widget = forms.Select(
            choices=[("", "—"), *[(q, _("第%(q)d季度") % {"q": q}) for q in range(1, 5)]]
        )
        self.fields["risks"].queryset = visible_risks(user).order_by("-created_at")
        self.fields["risks"].label_from_instance = lambda r: f"{r.code} {r.title}"
        self.fields["reports"].queryset = QuarterlyReport.objects.filter(
            submitted_at__isnull=False
        ).select_related("unit")
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "quarterly" and not data.get("quarter"):
            self.add_error("quarter", _("季度研判会须注明季度（1 到 4）。"))
        if data.get("quarter") and data["quarter"] not in (1, 2, 3, 4):
            self.add_error("quarter", _("季度只能是 1 到 4。"))
        if data.get("kind") == "annual":
            data["quarter"] = None
        return data


class DirectiveForm(forms.ModelForm):
    # Checked by the service, so the message is the service's ("请至少选择一个接收单位").
    units = UnitChoices(label=_("接收单位"), queryset=Unit.objects.none(), required=False)

    class Meta:
        model = Directive
        fields = ["kind", "color", "title", "content", "deadline", "meeting"]
        widgets = {"deadline": DateInput(), "content": forms.Textarea(attrs={"rows": 5})}
        labels = {"content": _("预警依据 / 交办任务")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["color"].choices = [("", "—"), *WarningColor.choices]
        self.fields["kind"].choices = DirectiveKind.choices
        self.fields["color"].required = False
        self.fields["deadline"].required = False
        _style(self)


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("反馈内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    files = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
