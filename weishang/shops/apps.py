from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "weishang.shops"
    label = "shops"
