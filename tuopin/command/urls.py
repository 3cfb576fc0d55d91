from django.urls import path

from tuopin.command import views

app_name = "command"
urlpatterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_page, name="meeting"),
    path("meetings/<int:pk>/minutes.docx", views.minutes_docx, name="minutes"),
    path("duty/", views.duty, name="duty"),
    path("duty/<int:pk>/sign/", views.sign_in, name="sign_in"),
    path("visits/", views.visits, name="visits"),
    path("accountability/", views.accountability, name="accountability"),
    path("sweeps/", views.sweeps, name="sweeps"),
]
