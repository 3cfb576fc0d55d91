from django.urls import path

from tuopin.jobs import entry, views

app_name = "jobs"
urlpatterns = [
    path("", views.home, name="home"),
    path("village/<str:code>/", views.village_page, name="village"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/", views.import_list, name="imports"),
    path("template.xlsx", views.template, name="template"),
    path("export/", views.export, name="export"),
    path("record/<str:kind>/", entry.record, name="record"),
    path("economy/", views.economy_home, name="economy"),
    path("economy/village/<str:code>/", views.economy_village, name="economy_village"),
    path("economy/import/", views.economy_import_upload, name="economy_import"),
    path("economy/import/confirm/", views.economy_import_confirm, name="economy_import_confirm"),
    path("economy/imports/", views.economy_import_list, name="economy_imports"),
    path("economy/template.xlsx", views.economy_template, name="economy_template"),
    path("economy/export/", views.economy_export, name="economy_export"),
]
