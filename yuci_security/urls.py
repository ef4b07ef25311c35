from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from org import views as org_views

from .health import healthz

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("accounts/profile/", org_views.profile, name="profile"),
    path("admin/", admin.site.urls),
    path("org/", include("org.urls")),
    path("audit/", include("org.audit_urls")),
    path("duties/", include("duties.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("notifications.urls")),
    path("", include("quarters.urls")),
    path("", include("risks.urls")),
]
