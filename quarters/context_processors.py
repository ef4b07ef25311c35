from .permissions import can_view_quarter


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_can_view_quarter": can_view_quarter(user)}
