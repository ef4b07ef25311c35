from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_list, name="units"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/active/", views.unit_set_active, name="unit_active"),
    path("units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("people/", views.person_list, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/active/", views.person_set_active, name="person_active"),
    path("people/<int:pk>/reset-password/", views.person_reset_password, name="person_reset_password"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="person_unlock"),
    path("roles/", views.role_list, name="roles"),
    path("roles/grant/", views.role_grant, name="role_grant"),
    path("roles/<slug:role>/", views.role_edit, name="role_edit"),
    path("categories/", views.category_list, name="categories"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
]
