from django.urls import path

from tuopin.households import views

app_name = "households"
urlpatterns = [
    path("", views.home, name="home"),
    path("h/<str:number>/", views.household_page, name="household"),
    path("h/<str:number>/seven/", views.seven_items, name="seven"),
    path("h/<str:number>/measure/", views.measure_form, name="measure"),
    path("visit/", views.visit_form, name="visit"),
    path("helpers/", views.assign, name="assign"),
    path("m/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("m/<int:pk>/evidence/file/", views.evidence_file, name="evidence"),
    path("unvisited/", views.unvisited, name="unvisited"),
    path("settings/", views.settings_page, name="settings"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_page, name="round"),
    path("rounds/<int:pk>/case/", views.gap_case, name="gap_case"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/", views.import_list, name="imports"),
    path("export/", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
]
