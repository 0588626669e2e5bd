from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "weishang.ledger"
    label = "ledger"
