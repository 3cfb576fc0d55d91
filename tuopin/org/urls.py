from django.urls import path

from tuopin.org import views

app_name = "org"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:code>/", views.unit_page, name="unit"),
]
