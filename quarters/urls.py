from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "pdf|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "quarters"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/", views.report_index, name="reports"),
    path("reports/<int:year>/<int:quarter>/", views.report, name="report"),
    path("reports/<int:year>/<int:quarter>.<fmt:fmt>", views.report_download, name="report_download"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/sign-off/", views.meeting_sign_off, name="meeting_sign_off"),
    path("directives/", views.directive_list, name="directives"),
    path("directives/new/", views.directive_create, name="directive_create"),
    path("directives/<int:pk>/", views.directive_detail, name="directive"),
    path("directives/<int:pk>/risk/", views.directive_add_risk, name="directive_add_risk"),
    path("receipts/<int:pk>/sign/", views.receipt_sign, name="receipt_sign"),
    path("receipts/<int:pk>/answer/", views.receipt_answer, name="receipt_answer"),
    path("receipts/files/<int:pk>/", views.receipt_file, name="receipt_file"),
]
