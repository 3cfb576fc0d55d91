from __future__ import annotations

from django.urls import path

from tuopin.bulletin import views

app_name = "bulletin"
urlpatterns = [
    path("", views.archive, name="archive"),
    path("compose/", views.compose_view, name="compose"),
    path("publish/", views.publish_view, name="publish"),
    path("settings/<int:campaign_id>/", views.settings_view, name="settings"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/docx/", views.download_docx, name="docx"),
    path("<int:pk>/chart/<slug:name>.png", views.chart_png, name="chart"),
    path("<int:pk>/reissue/", views.reissue_view, name="reissue"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
]
