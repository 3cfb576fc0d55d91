from django.urls import path

from tuopin.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("current/", views.current_report, name="current"),
    path("period/<int:pk>/", views.period_page, name="period"),
    path("period/<int:pk>/chase/", views.chase_view, name="chase"),
    path("period/<int:pk>/agenda/", views.agenda_page, name="agenda"),
    path("report/<int:pk>/", views.report_page, name="report"),
    path("report/<int:pk>/edit/", views.edit_page, name="edit"),
    path("report/<int:pk>/submit/", views.submit_view, name="submit"),
    path("report/<int:pk>/sign/", views.sign_view, name="sign"),
    path("report/<int:pk>/receive/", views.receive_view, name="receive"),
    path("report/<int:pk>/return/", views.return_view, name="return"),
    path("report/<int:pk>/revise/", views.revise_view, name="revise"),
    path("report/<int:pk>/exception/", views.exception_view, name="exception"),
    path("attachment/<int:pk>/", views.attachment_view, name="attachment"),
    path("version/<int:pk>/", views.version_page, name="version"),
    path("rates/", views.rates_page, name="rates"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("campaign/<int:pk>/settings/", views.settings_page, name="settings"),
]
