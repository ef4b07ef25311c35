from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new one twice, the validators); the change itself is
    accounts.services.password_change, not form.save()."""

    def save(self, commit=True):  # pragma: no cover - the view calls the service instead
        raise NotImplementedError("use accounts.services.password_change")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
                "autofocus": True,
            }
        ),
        help_text=_("动态口令应用显示的 6 位数字；手机不在身边时，可输入一个备用验证码。"),
    )
