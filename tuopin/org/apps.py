from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tuopin.org"
    label = "org"
    verbose_name = "组织机构与用户"
