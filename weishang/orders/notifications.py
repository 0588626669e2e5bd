from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .models import Order


def order_email_seller(*, order_id: int) -> bool:
    """E-mail the shop owner about a new order. False when there is nobody to write to."""
    order = (
        Order.objects.select_related("shop", "shop__owner")
        .prefetch_related("lines")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return False
    to = order.shop.notify_email or order.shop.owner.email
    if not to:
        return False
    with translation.override("zh-hans"):
        context = {"order": order, "shop": order.shop, "lines": order.lines.all()}
        subject = render_to_string("orders/email/new_order_subject.txt", context).strip()
        body = render_to_string("orders/email/new_order.txt", context)
    send_mail(subject, body, None, [to])
    return True
