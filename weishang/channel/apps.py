from django.apps import AppConfig


class ChannelConfig(AppConfig):
    name = "weishang.channel"
    label = "channel"
