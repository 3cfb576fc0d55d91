from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "tuopin.synth"
    label = "synth"
    verbose_name = "模拟数据"
