from django.urls import path

from tuopin.cases import public, views

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.register, name="register"),
    path("backlog/", views.backlog_page, name="backlog"),
    path("<int:pk>/", views.case_page, name="case"),
    path("<int:pk>/do/<str:name>/", views.case_action, name="action"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_page, name="inspection"),
    path("settings/limits/", views.limits_page, name="limits"),
    path("settings/calendar/", views.calendar_page, name="calendar"),
    path("file/", public.file_petition, name="file"),
    path("file/done/", public.file_done, name="file_done"),
    path("track/", public.track, name="track"),
    path("track/progress/", public.track_progress, name="track_progress"),
    path("track/rate/", public.track_rate, name="track_rate"),
]
