from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "weishang.dashboard"
    label = "dashboard"
