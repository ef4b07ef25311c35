from .permissions import can_create_risk, data_scope, is_admin, profile_of


def navigation(request):
    """What the navigation bar needs to adapt to the person's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_profile": profile_of(user),
        "nav_can_create": can_create_risk(user),
        "nav_is_admin": is_admin(user) or user.is_staff,
        "nav_scope": data_scope(user),
    }
