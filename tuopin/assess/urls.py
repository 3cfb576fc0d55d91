from django.urls import path

from tuopin.assess import views

app_name = "assess"
urlpatterns = [
    path("", views.home, name="home"),
    path("village/<str:code>/", views.village_page, name="village"),
    path("household/<str:household_no>/", views.household_page, name="household"),
    path("parameters/", views.parameters, name="parameters"),
    path("comparison/", views.comparison, name="comparison"),
    path("drills/", views.drills, name="drills"),
    path("drills/<int:pk>/", views.drill_page, name="drill"),
    path("drills/<int:pk>/sheet.xlsx", views.drill_sheet, name="drill_sheet"),
    path("drills/<int:pk>/visit/<int:sequence>/", views.drill_visit, name="drill_visit"),
    path("drills/<int:pk>/import/", views.drill_import, name="drill_import"),
]
