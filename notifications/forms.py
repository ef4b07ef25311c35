from django import forms
from django.utils.translation import gettext_lazy as _

from risks.models import Unit

from .models import Channel, NotificationPreference, UnitChannel


class PreferenceForm(forms.Form):
    email = forms.BooleanField(
        label=_("每天接收一封提醒汇总邮件"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.preference = NotificationPreference.objects.filter(user=user).first()
        kwargs.setdefault("initial", {"email": self.preference.email if self.preference else True})
        super().__init__(*args, **kwargs)

    def save(self):
        NotificationPreference.objects.update_or_create(
            user=self.user, defaults={"email": self.cleaned_data["email"]}
        )


class QuarterlyReportForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    quarter = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=4)
    ledger_confirmed = forms.BooleanField(
        label=_("本单位风险隐患台账已更新到最新"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    analysis = forms.CharField(
        label=_("形势分析"),
        max_length=5000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 8}),
        help_text=_("本季度本单位安全稳定形势、主要风险隐患及整改情况、下季度工作打算。"),
    )


class TestMessageForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("渠道"), choices=Channel.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    unit = forms.ModelChoiceField(
        label=_("单位（群机器人）"),
        queryset=Unit.objects.filter(channels__channel__in=[Channel.WECOM, Channel.DINGTALK]).distinct(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self):
        data = super().clean()
        channel, unit = data.get("channel"), data.get("unit")
        if channel in (Channel.WECOM, Channel.DINGTALK):
            if unit is None:
                raise forms.ValidationError(_("请选择配置了该群机器人的单位。"))
            if not UnitChannel.objects.filter(unit=unit, channel=channel).exclude(webhook_url="").exists():
                raise forms.ValidationError(_("该单位没有配置这个群机器人。"))
        return data
