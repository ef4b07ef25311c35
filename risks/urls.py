from django.urls import path

from . import import_views, views

app_name = "risks"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("risks/", views.RiskListView.as_view(), name="list"),
    path("risks/new/", views.risk_create, name="create"),
    path("risks/import/", import_views.import_start, name="import"),
    path("risks/import/template/", import_views.import_template, name="import_template"),
    path("risks/import/<int:pk>/", import_views.import_job, name="import_job"),
    path("risks/import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("risks/import/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("risks/import/<int:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("risks/import/<int:pk>/rejected/", import_views.import_rejected, name="import_rejected"),
    path("risks/<int:pk>/", views.risk_detail, name="detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="edit"),
    path("risks/<int:pk>/actions/<slug:action>/", views.risk_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
