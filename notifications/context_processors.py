from .models import Notification


def unread(request):
    """The unread count in the header: one indexed COUNT per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_unread": Notification.objects.filter(user=user, read_at__isnull=True).count()}
