from django import template

from ..services import open_receipts_of

register = template.Library()


@register.inclusion_tag("quarters/_my_receipts.html", takes_context=True)
def my_receipts(context, limit: int = 8):
    """The "my work" block: warnings and assignments the person's unit has to sign for or answer."""
    receipts = list(open_receipts_of(context["request"].user)[: limit + 1])
    return {"receipts": receipts[:limit], "more": len(receipts) > limit}
