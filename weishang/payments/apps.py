from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "weishang.payments"
    label = "payments"
