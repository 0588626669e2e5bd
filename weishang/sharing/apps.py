from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "weishang.sharing"
    label = "sharing"
