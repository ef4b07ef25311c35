from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/read/", views.notification_mark_read, name="mark_read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/system/", views.system, name="system"),
    path("notifications/system/test/", views.send_test, name="send_test"),
    path("notifications/deliveries/<int:pk>/retry/", views.delivery_retry, name="retry"),
    path("quarterly-reports/", views.quarterly_reports, name="quarterly_reports"),
]
