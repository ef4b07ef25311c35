from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


class ProfileModelBackend(ModelBackend):
    """Django's ModelBackend, loading the person's profile and unit with the user.

    Every page asks who the person is, in which unit and role (navigation, scope, permissions):
    one joined query per request instead of three.
    """

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("profile__unit").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
