from django.urls import path

from tuopin.org import views

app_name = "org"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/password/", views.account_password, name="account_password"),
    path("<str:code>/", views.unit_page, name="unit"),
]
