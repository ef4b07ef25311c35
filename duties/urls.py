from django.urls import path

from . import views

app_name = "duties"

urlpatterns = [
    path("", views.index, name="index"),
    path("overview/", views.overview, name="overview"),
    path("new/", views.list_create, name="list_create"),
    path("copy/", views.list_copy, name="list_copy"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.list_detail, name="list_detail"),
    path("<int:pk>/items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/records/new/", views.record_create, name="record_create"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
