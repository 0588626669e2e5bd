from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "weishang.core"
    label = "core"
