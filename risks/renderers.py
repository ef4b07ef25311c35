"""The form renderer: Django's, except that a <select> is written in Python.

Django renders every <option> through a template of its own, about 0.1 ms each. The ledger's
filters list every unit, person and category (hundreds of options), which made the form cost more
than the page's queries (bench: about 40 ms of a 60 ms ledger page). The HTML is the same.
"""

from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _options(options) -> str:
    return format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        ((o["value"], flatatt(o["attrs"]), o["label"]) for o in options),
    )


def render_select(widget: dict) -> str:
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if any(option["template_name"] != OPTION_TEMPLATE for option in group_choices):
            return ""  # a custom option template: let Django render it
        if group_name:
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, _options(group_choices))
            )
        else:
            parts.append(_options(group_choices))
    return format_html(
        '<select name="{}"{}>{}</select>',
        widget["name"],
        flatatt(widget["attrs"]),
        format_html_join("\n", "{}", ((part,) for part in parts)),
    )


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and (html := render_select(context["widget"])):
            return html
        return super().render(template_name, context, request)
