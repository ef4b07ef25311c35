from risks.permissions import permissions_of


def permissions(request):
    """``perms_of_role``: the set of risks.permissions.Perm values the person's role holds, for
    showing only the menu entries the person may use (the views check again)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"perms_of_role": permissions_of(user)}
