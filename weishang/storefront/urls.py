"""The buyer's side of weishang, mounted at the root: ``/`` and ``/<shop-slug>/...``.

Shop addresses can never be ``o`` or any other reserved word (``shops.RESERVED_SLUGS``), so the
fixed routes here never collide with a shop.
"""

from django.urls import path

from . import views

app_name = "storefront"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("o/<str:token>/", views.order_detail, name="order"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("<slug:slug>/", views.shop_home, name="shop"),
    path("<slug:slug>/manifest.webmanifest", views.shop_manifest, name="manifest"),
    path("<slug:slug>/p/<int:product_id>/", views.product_detail, name="product"),
    path("<slug:slug>/cart/", views.cart_page, name="cart"),
    path("<slug:slug>/cart/add/", views.cart_add, name="cart_add"),
    path("<slug:slug>/cart/update/", views.cart_update, name="cart_update"),
    path("<slug:slug>/checkout/", views.checkout, name="checkout"),
]
