"""Request-level account rules: the client's real address, and what a session must do first.

SecurityPolicyMiddleware, for a signed-in person, in this order:
1. a session older than SESSION_ABSOLUTE_SECONDS (12 hours) ends, however active it was;
2. a person whose role needs two-factor and who has not passed it this session reaches only the
   two-factor pages (enrolment when there is no authenticator yet, else verification);
3. a person who must change the password (new account, admin reset, expired) reaches only the
   password-change page.
Logging out and switching the language stay possible throughout.
"""

import functools
import ipaddress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import policy, services

TWO_FACTOR_URLS = ("accounts:two_factor_setup", "accounts:two_factor_verify")
ALWAYS_ALLOWED_URLS = ("logout", "set_language")


def client_ip(request) -> str | None:
    """REMOTE_ADDR, which RealIPMiddleware has already taken from a trusted proxy when there is one.
    Also django-axes' AXES_CLIENT_IP_CALLABLE."""
    return request.META.get("REMOTE_ADDR") or None


@functools.cache
def _networks(values: tuple[str, ...]) -> list:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


class RealIPMiddleware:
    """Behind nginx, REMOTE_ADDR is nginx's address; the client's is in X-Real-IP, which nginx
    sets (overwriting whatever the client sent). Believe the header only from TRUSTED_PROXIES, so
    nobody can pick the address that the audit log records and the lockout counts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        real = request.META.get("HTTP_X_REAL_IP", "").strip()
        if (
            real
            and settings.TRUSTED_PROXIES
            and self._from_trusted_proxy(request.META.get("REMOTE_ADDR", ""))
        ):
            try:
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(real))
            except ValueError:
                pass
        return self.get_response(request)

    def _from_trusted_proxy(self, remote: str) -> bool:
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


class SecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            state = request.session.get(policy.SESSION_KEY)
            if not isinstance(state, dict):
                # A session from before these rules (or made without login()): judge it now.
                state = request.session[policy.SESSION_KEY] = policy.evaluate(request.user)
            if policy.session_too_old(state):
                logout(request)
                messages.info(request, _("本次登录已达到最长时限，请重新登录。"))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After URL resolution, so the page is known by its name, not by a path prefix.
        if not request.user.is_authenticated:
            return None
        state = request.session[policy.SESSION_KEY]
        match = request.resolver_match
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        if name in ALWAYS_ALLOWED_URLS:
            return None
        if state["two_factor"] and not request.user.is_verified():
            if name in TWO_FACTOR_URLS:
                return None
            if services.has_authenticator(request.user):
                return redirect("accounts:two_factor_verify")
            return redirect("accounts:two_factor_setup")
        if state["password"] and name != "accounts:password_change":
            return redirect("accounts:password_change")
        return None


def mark_password_changed(request) -> None:
    """After a successful change, the session need not force another one."""
    state = request.session.get(policy.SESSION_KEY)
    if isinstance(state, dict):
        request.session[policy.SESSION_KEY] = {**state, "password": ""}
