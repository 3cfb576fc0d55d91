from django.urls import path

from tuopin.offline import views

app_name = "offline"
urlpatterns = [
    path("", views.home, name="home"),
    path("bundle.json", views.bundle, name="bundle"),
    path("ping", views.ping, name="ping"),
]
