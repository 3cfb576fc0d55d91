from django.urls import path

from tuopin.water import views

app_name = "water"
urlpatterns = [
    path("", views.home, name="home"),
    path("village/<str:code>/", views.village_page, name="village"),
    path("test/", views.test_add, name="test_add"),
    path("test/<int:pk>/file/", views.report_file, name="report_file"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/", views.import_list, name="imports"),
    path("template.xlsx", views.template, name="template"),
    path("export/", views.export, name="export"),
]
