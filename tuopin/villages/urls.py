from django.urls import path

from tuopin.villages import views

app_name = "villages"
urlpatterns = [
    path("", views.home, name="home"),
    path("v/<str:code>/", views.village_page, name="village"),
    path("v/<str:code>/member/new/", views.member_new, name="member_new"),
    path("v/<str:code>/presence/", views.presence_new, name="presence"),
    path("v/<str:code>/training/", views.training_new, name="training_new"),
    path("member/<int:pk>/", views.member_edit, name="member"),
    path("training/", views.training, name="training"),
    path("checklists/", views.checklists, name="checklists"),
    path("check/<str:key>/", views.inspect_any, name="inspect_any"),
    path("check/<str:key>/<str:code>/", views.inspect, name="inspect"),
    path("inspection/<int:pk>/", views.inspection_page, name="inspection"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/", views.import_list, name="imports"),
    path("export/", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
]
