"""Pages of one's own account: password change and two-factor (enrolment, verification, backup
codes). The middleware sends people here when a rule says so; the rules are in accounts.policy."""

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from . import policy, services
from .forms import PasswordChangeForm, TokenForm
from .middleware import mark_password_changed

BACKUP_CODES_SESSION_KEY = "_backup_codes_once"


@require_http_methods(["GET", "POST"])
def password_change(request):
    state = request.session.get(policy.SESSION_KEY) or {}
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
            # This session goes on; the person's other sessions end at their next request.
            update_session_auth_hash(request, request.user)
            mark_password_changed(request)
            messages.success(request, _("密码已修改。其他设备上的登录已失效。"))
            return redirect("risks:my_work")
        status = 400
    else:
        status = 200
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "reason": state.get("password", "")},
        status=status,
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if services.has_authenticator(user) and not user.is_verified():
        # Replacing an authenticator needs the current one first: a stolen password is not enough.
        return redirect("accounts:two_factor_verify")
    device = services.totp_device_for_enrolment(user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                codes = services.two_factor_enrol(user=user, device=device, token=form.cleaned_data["token"])
            except services.TokenRejected:
                form.add_error("token", _("验证码不正确或已过期，请核对手机时间后输入当前显示的验证码。"))
            else:
                device.refresh_from_db()
                otp_login(request, device)
                request.session[BACKUP_CODES_SESSION_KEY] = codes
                messages.success(request, _("双因素认证已启用。"))
                return redirect("accounts:backup_codes")
        status = 400
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(
                scale=5, dark="#000", light="#fff", omitsize=True, title=_("动态口令二维码")
            ),
            "secret": _grouped(device.bin_key),
        },
        status=status,
    )


def _grouped(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    if not services.has_authenticator(request.user):
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device = services.two_factor_check(user=request.user, token=form.cleaned_data["token"])
            except services.TokenRejected:
                form.add_error("token", _("验证码不正确、已过期或已用过。"))
            else:
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request, _("已使用一个备用验证码，还剩 %(n)d 个。用完前请重新生成。") % {"n": left}
                    )
                return redirect(_next_url(request) or "risks:my_work")
        status = 400
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}, status=status
    )


@require_http_methods(["GET", "POST"])
def backup_codes(request):
    if not request.user.is_verified():
        return redirect("accounts:two_factor_setup")
    if request.method == "POST":
        request.session[BACKUP_CODES_SESSION_KEY] = services.backup_codes_regenerate(user=request.user)
        messages.success(request, _("已生成新的备用验证码，旧的备用验证码全部作废。"))
        return redirect("accounts:backup_codes")
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    left = StaticToken.objects.filter(
        device__user=request.user, device__name=services.BACKUP_DEVICE_NAME
    ).count()
    return render(request, "accounts/backup_codes.html", {"codes": codes, "left": left})
