from django.urls import path

from tuopin.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("wall/", views.wall, name="wall"),
    path("map/", views.map_home, name="map"),
    path("map/<str:code>/", views.map_unit, name="map_unit"),
    path("boundaries/", views.import_boundaries, name="import_boundaries"),
    path("milestones/", views.milestones, name="milestones"),
    path("milestones/<int:pk>/", views.milestone, name="milestone"),
    path("actions/<int:number>/", views.action, name="action"),
    path("org/<str:code>/", views.unit, name="unit"),
    path("metrics/", views.catalogue, name="catalogue"),
    path("sector/", views.sector_board, name="sector"),
    path("sectors/", views.sector_grants, name="sector_grants"),
    path("metrics/<str:key>/", views.metric, name="metric"),
    path("org/<str:code>/exit/", views.exit_fragment, name="exit"),
]
