"""The buyer's side of weishang, mounted at the root: ``/`` and ``/<shop-slug>/...``.

Shop addresses can never be ``o`` or any other reserved word (``shops.RESERVED_SLUGS``), so the
fixed routes here never collide with a shop.
"""

from django.urls import path

from . import channel_views, share_views, views

app_name = "storefront"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("o/<str:token>/", views.order_detail, name="order"),
    path("o/<str:token>/review/", views.order_review, name="order_review"),
    path(
        "o/<str:token>/referral/remove/",
        views.order_referral_remove_view,
        name="order_referral_remove",
    ),
    path("favicon.ico", views.favicon, name="favicon"),
    path("s/arrived", share_views.share_arrived, name="share_arrived"),
    path("s/<str:code>", share_views.share_open, name="share_open"),
    # A chat app may add a slash, or the punctuation after the link (share_target trims it)
    path("s/<str:code>/", share_views.share_open),
    path("verify/", channel_views.verify, name="verify"),
    path("verify/platform-key.pem", channel_views.platform_key, name="platform_key"),
    path("verify/<str:code>/", channel_views.verify_code, name="verify_code"),
    path("verify/<str:code>.json", channel_views.verify_document, name="verify_document"),
    path("verify/<str:code>.png", channel_views.verify_picture, name="verify_picture"),
    path("<slug:slug>/", views.shop_home, name="shop"),
    path("<slug:slug>/channel/", channel_views.channel_public, name="channel"),
    path("<slug:slug>/channel/join/", channel_views.channel_join, name="channel_join"),
    path("<slug:slug>/channel/earnings/", channel_views.channel_earnings, name="channel_earnings"),
    path("<slug:slug>/manifest.webmanifest", views.shop_manifest, name="manifest"),
    path("<slug:slug>/p/<int:product_id>/", views.product_detail, name="product"),
    path("<slug:slug>/share/", share_views.share_panel, name="share"),
    path("<slug:slug>/share/qr.<str:fmt>", share_views.share_qr, name="share_qr"),
    path("<slug:slug>/share/poster.png", share_views.share_poster, name="share_poster"),
    path("<slug:slug>/p/<int:product_id>/share/", share_views.share_panel, name="product_share"),
    path(
        "<slug:slug>/p/<int:product_id>/share/qr.<str:fmt>",
        share_views.share_qr,
        name="product_share_qr",
    ),
    path(
        "<slug:slug>/p/<int:product_id>/share/poster.png",
        share_views.share_poster,
        name="product_share_poster",
    ),
    path("<slug:slug>/cart/", views.cart_page, name="cart"),
    path("<slug:slug>/cart/add/", views.cart_add, name="cart_add"),
    path("<slug:slug>/cart/update/", views.cart_update, name="cart_update"),
    path("<slug:slug>/checkout/", views.checkout, name="checkout"),
]
