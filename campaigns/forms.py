from django import forms
from django.utils.translation import gettext_lazy as _

from risks.forms import DateInput
from risks.models import Category, Domain, Unit

from .models import Campaign


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "starts_on",
            "ends_on",
            "lead_unit",
            "units",
            "domains",
            "categories",
            "description",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["lead_unit"].queryset = units
        self.fields["units"].queryset = units
        self.fields["domains"].queryset = Domain.objects.filter(is_active=True)
        self.fields["categories"].queryset = Category.objects.filter(is_active=True).select_related("parent")
        for name, field in self.fields.items():
            multiple = isinstance(field.widget, forms.SelectMultiple)
            css = "form-select" if isinstance(field.widget, forms.Select) or multiple else "form-control"
            field.widget.attrs.setdefault("class", css)
            if name in ("lead_unit", "units", "domains", "categories"):
                field.widget.attrs["data-searchable"] = "1"

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        domains, categories = data.get("domains"), data.get("categories")
        if domains and categories:
            stray = [c for c in categories if c.domain_id not in {d.pk for d in domains}]
            if stray:
                self.add_error(
                    "categories", _("所选类别不属于所选领域：%(c)s") % {"c": "、".join(map(str, stray))}
                )
        return data
