from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "weishang.orders"
    label = "orders"
