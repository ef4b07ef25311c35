"""Badges that never use colour as the only signal: each carries its text."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Level, State, SupervisionLight

register = template.Library()

LEVEL_CSS = {
    Level.MAJOR: "badge level-major",
    Level.SIGNIFICANT: "badge level-significant",
    Level.GENERAL: "badge level-general",
    Level.LOW: "badge level-low",
}
STATE_CSS = {
    State.REPORTED: "text-bg-secondary",
    State.ASSIGNED: "text-bg-info",
    State.IN_PROGRESS: "text-bg-primary",
    State.CLOSURE_PENDING: "text-bg-warning",
    State.CLOSED: "text-bg-success",
    State.WITHDRAWN: "text-bg-light border",
}
LIGHT_CSS = {
    SupervisionLight.GREEN: "light-green",
    SupervisionLight.YELLOW: "light-yellow",
    SupervisionLight.RED: "light-red",
    SupervisionLight.LISTED: "light-listed",
}


@register.simple_tag
def level_badge(risk):
    return format_html(
        '<span class="{}">{}</span>', LEVEL_CSS.get(risk.level, "badge"), risk.get_level_display()
    )


@register.simple_tag
def state_badge(risk):
    return format_html(
        '<span class="badge {}">{}</span>', STATE_CSS.get(risk.state, ""), risk.get_state_display()
    )


@register.simple_tag
def light_badge(risk):
    return format_html(
        '<span class="light {}"><span class="light-dot" aria-hidden="true"></span>{}</span>',
        LIGHT_CSS.get(risk.supervision_light, ""),
        risk.get_supervision_light_display(),
    )


@register.simple_tag
def deadline_badge(risk):
    """还剩 3 天 / 今天到期 / 逾期 5 天, for open risks only."""
    if not risk.is_open:
        return ""
    days = risk.days_left
    if days < 0:
        text = ngettext("逾期 %(n)d 天", "逾期 %(n)d 天", -days) % {"n": -days}
        return format_html('<span class="badge text-bg-danger">{}</span>', text)
    if days == 0:
        return format_html('<span class="badge text-bg-warning">{}</span>', _("今天到期"))
    text = ngettext("还剩 %(n)d 天", "还剩 %(n)d 天", days) % {"n": days}
    css = "text-bg-warning" if days <= 7 else "text-bg-light border"
    return format_html('<span class="badge {}">{}</span>', css, text)


@register.filter
def person(user):
    """A person's name, or "—"."""
    from ..models import display_name

    return display_name(user) or "—"
