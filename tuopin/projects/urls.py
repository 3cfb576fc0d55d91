from django.urls import path

from tuopin.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<str:code>/", views.project_page, name="project"),
    path("p/<str:code>/photo/", views.photo_upload, name="photo_upload"),
    path("photo/<int:pk>/", views.photo_file, name="photo"),
    path("place/<str:code>/", views.village_page, name="village"),
    path("funds/", views.funds_page, name="funds"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/", views.import_list, name="imports"),
    path("export/", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
]
