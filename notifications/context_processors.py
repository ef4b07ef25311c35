from .models import Notification


def unread(request):
    """The unread count in the header: one indexed COUNT per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Once per request: context processors run again for every RequestContext the page renders
    # (django-tables2's {% render_table %} makes one), which counted twice on the ledger (bench).
    if not hasattr(request, "_nav_unread"):
        request._nav_unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"nav_unread": request._nav_unread}
