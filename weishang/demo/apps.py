from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "weishang.demo"
    label = "demo"
