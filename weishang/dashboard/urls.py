"""The seller app. Everything about a shop lives under ``<shop_slug>/``; see ``access.py``."""

from django.urls import include, path

from .views import channel, customers, home, orders, products, resale, reviews, sharing, shop

app_name = "dashboard"

shop_pages = [
    path("", home.home, name="shop_home"),
    path("badge/", home.badge, name="badge"),
    path("ready/", shop.shop_ready, name="shop_ready"),
    path("settings/", shop.shop_settings, name="shop_settings"),
    path("products/", products.product_list, name="product_list"),
    path("products/new/", products.product_new, name="product_new"),
    path("products/<int:product_id>/", products.product_edit, name="product_edit"),
    path("products/<int:product_id>/move/", products.product_move_view, name="product_move"),
    path("products/<int:product_id>/delete/", products.product_delete_view, name="product_delete"),
    path("products/<int:product_id>/photos/", products.photo_add, name="photo_add"),
    path(
        "products/<int:product_id>/photos/<int:photo_id>/move/",
        products.photo_move,
        name="photo_move",
    ),
    path(
        "products/<int:product_id>/photos/<int:photo_id>/delete/",
        products.photo_delete,
        name="photo_delete",
    ),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/<int:order_id>/", orders.order_detail, name="order_detail"),
    path(
        "orders/<int:order_id>/confirm-payment/",
        orders.order_confirm_payment,
        name="order_confirm_payment",
    ),
    path("orders/<int:order_id>/ship/", orders.order_ship_view, name="order_ship"),
    path("orders/<int:order_id>/complete/", orders.order_complete_view, name="order_complete"),
    path("orders/<int:order_id>/cancel/", orders.order_cancel_view, name="order_cancel"),
    path("orders/<int:order_id>/refund/", orders.order_refund, name="order_refund"),
    path("reviews/", reviews.review_list, name="review_list"),
    path("reviews/<int:review_id>/reply/", reviews.review_reply_view, name="review_reply"),
    path("sharing/", sharing.sharing, name="sharing"),
    path("sharing.csv", sharing.sharing_csv, name="sharing_csv"),
    path("sharing/<int:link_id>/revoke/", sharing.sharing_revoke, name="sharing_revoke"),
    path("channel/", channel.channel_home, name="channel"),
    path("channel/settings/", channel.channel_settings, name="channel_settings"),
    path("channel/offers/", channel.channel_offer, name="channel_offer"),
    path(
        "channel/offers/<int:offer_id>/withdraw/",
        channel.channel_offer_withdraw,
        name="channel_offer_withdraw",
    ),
    path(
        "channel/members/<int:membership_id>/approve/",
        channel.channel_member,
        {"action": "approve"},
        name="channel_member_approve",
    ),
    path(
        "channel/members/<int:membership_id>/remove/",
        channel.channel_member,
        {"action": "remove"},
        name="channel_member_remove",
    ),
    path(
        "channel/payouts/<int:payout_id>/paid/",
        channel.channel_payout_paid,
        name="channel_payout_paid",
    ),
    path(
        "channel/payouts/<int:payout_id>/cancel/",
        channel.channel_payout_cancel,
        name="channel_payout_cancel",
    ),
    path("channel/audit/", channel.channel_audit_page, name="channel_audit"),
    path("channel/audit/report/", channel.channel_audit_report, name="channel_audit_report"),
    path("resale/", resale.resale, name="resale"),
    path(
        "resale/<int:membership_id>/offers/<int:offer_id>/",
        resale.resale_list,
        name="resale_list",
    ),
    path("resale/<int:membership_id>/payout/", resale.resale_payout, name="resale_payout"),
    path("resale/<int:membership_id>/leave/", resale.resale_leave, name="resale_leave"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer_detail"),
]

urlpatterns = [
    path("", home.index, name="home"),
    path("shop/new/", shop.shop_new, name="shop_new"),
    path("<slug:shop_slug>/", include(shop_pages)),
]
