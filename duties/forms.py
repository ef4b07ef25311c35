from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from org.forms import StyledForm, UnitChoiceField, unit_choices
from risks.forms import DateInput, MultipleFileField, PeopleQuerysets, PersonChoiceField
from risks.models import Category, Domain

from .models import DutyItem

User = get_user_model()


class PeopleField(forms.ModelMultipleChoiceField):
    label_from_instance = PersonChoiceField.label_from_instance


class DutyListForm(StyledForm):
    searchable = ("unit",)
    unit = UnitChoiceField(label=_("单位"), queryset=unit_choices(), required=False)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        if unit is None:
            raise forms.ValidationError(_("请选择单位：责任清单必须属于一个单位。"))
        return unit


class CopyForm(StyledForm):
    from_year = forms.IntegerField(label=_("从年度"), min_value=2000, max_value=2100)
    to_year = forms.IntegerField(label=_("复制到年度"), min_value=2000, max_value=2100)


class DutyItemForm(forms.ModelForm):
    class Meta:
        model = DutyItem
        fields = [
            "kind",
            "duty",
            "requirement",
            "basis",
            "domain",
            "categories",
            "lead_unit",
            "cooperating_units",
            "responsible_people",
            "cadence",
            "required_count",
            "due_date",
            "order",
        ]
        widgets = {"duty": forms.Textarea(attrs={"rows": 3}), "due_date": DateInput()}
        field_classes = {"lead_unit": UnitChoiceField, "responsible_people": PeopleField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["domain"].queryset = Domain.objects.filter(is_active=True)
        f["categories"].queryset = Category.objects.filter(is_active=True).select_related("domain", "parent")
        f["lead_unit"].queryset = unit_choices().filter(is_active=True)
        f["lead_unit"].error_messages["required"] = _("请选择牵头单位。")
        f["cooperating_units"].queryset = unit_choices().filter(is_active=True)
        f["responsible_people"].queryset = PeopleQuerysets.workers()
        for name, field in f.items():
            css = (
                "form-select"
                if isinstance(field.widget, forms.Select | forms.SelectMultiple)
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)
            if name in ("categories", "lead_unit", "cooperating_units", "responsible_people"):
                field.widget.attrs["data-searchable"] = "1"

    def clean(self):
        data = super().clean()
        domain, categories = data.get("domain"), data.get("categories")
        if domain and categories and any(c.domain_id != domain.pk for c in categories):
            self.add_error("categories", _("所选类别不属于所选领域。"))
        return data


class DutyRecordForm(StyledForm):
    on = forms.DateField(label=_("履职日期"), widget=DateInput())
    text = forms.CharField(label=_("履职情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    risk_codes = forms.CharField(
        label=_("关联风险隐患编号"), required=False, max_length=500, help_text=_("多个编号用空格或逗号分隔")
    )
    files = MultipleFileField(label=_("附件"), required=False)
