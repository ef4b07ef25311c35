from django.urls import path

from . import views

app_name = "risks"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("risks/", views.RiskListView.as_view(), name="list"),
    path("risks/new/", views.risk_create, name="create"),
    path("risks/<int:pk>/", views.risk_detail, name="detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="edit"),
    path("risks/<int:pk>/actions/<slug:action>/", views.risk_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
