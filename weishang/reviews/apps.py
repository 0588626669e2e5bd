from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "weishang.reviews"
    label = "reviews"
