from django.urls import path

from tuopin.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("village/<str:code>/", views.village_page, name="village"),
    path("household/<str:household_no>/", views.household_page, name="household"),
    path("household/<str:household_no>/edit/", views.household_edit, name="household_edit"),
    path("household/<str:household_no>/close/", views.household_close, name="household_close"),
    path("household/<str:household_no>/reopen/", views.household_reopen, name="household_reopen"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/", views.import_list, name="imports"),
    path("export/", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
    path("codes/", views.code_lists, name="codes"),
]
