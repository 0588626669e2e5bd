from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "weishang.accounts"
    label = "accounts"
