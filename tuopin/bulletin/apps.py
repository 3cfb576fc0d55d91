from django.apps import AppConfig


class BulletinConfig(AppConfig):
    name = "tuopin.bulletin"
    label = "bulletin"
    verbose_name = "周通报"
