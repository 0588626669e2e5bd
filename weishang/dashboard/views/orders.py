from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weishang.orders.choices import OrderStatus
from weishang.orders.errors import OrderError
from weishang.orders.lifecycle import allowed_actions
from weishang.orders.services import order_cancel, order_complete, order_mark_seen, order_ship
from weishang.payments.services import payment_confirm, refund_create

from ..access import seller_shop_view
from ..forms import CARRIERS, CancelForm, RefundForm, ShipForm
from ..selectors import shop_order, shop_orders, shop_status_counts

if TYPE_CHECKING:
    from weishang.accounts.models import User
    from weishang.orders.models import Order
    from weishang.shops.models import Shop

PAGE_SIZE = 30


def _order(shop: Shop, order_id: int) -> Order:
    return shop_order(shop=shop, order_id=order_id)


def _seller(request: HttpRequest) -> User:
    return cast("User", request.user)  # seller_shop_view: a logged-in owner


def _back(shop: Shop, order: Order) -> HttpResponse:
    return redirect("dashboard:order_detail", shop_slug=shop.slug, order_id=order.pk)


def _act(
    request: HttpRequest, shop: Shop, order: Order, action: Callable[[], object], done: str
) -> HttpResponse:
    """Run a lifecycle service; say what happened (or why it could not) on the order page."""
    try:
        action()
    except OrderError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(shop, order)


@seller_shop_view
def order_list(request: HttpRequest, shop: Shop) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    orders = shop_orders(shop=shop, status=status or None)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/order_list.html",
        {
            "shop": shop,
            "tab": "orders",
            "status": status,
            "status_counts": shop_status_counts(shop=shop),
            "page": page,
        },
    )


def _render_detail(
    request: HttpRequest, shop: Shop, order: Order, status: int = 200, **forms: Any
) -> HttpResponse:
    actions = allowed_actions(order)
    return render(
        request,
        "dashboard/order_detail.html",
        {
            "shop": shop,
            "tab": "orders",
            "order": order,
            "actions": actions,
            "lines": list(order.lines.all()),
            "events": list(order.events.all()),
            "ship_form": forms.get("ship_form") or ShipForm(),
            "cancel_form": forms.get("cancel_form") or CancelForm(),
            "carriers": CARRIERS,
        },
        status=status,
    )


@seller_shop_view
def order_detail(request: HttpRequest, shop: Shop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    if not order.seen_by_seller:
        order_mark_seen(order=order)
    return _render_detail(request, shop, order)


@seller_shop_view
@require_POST
def order_confirm_payment(request: HttpRequest, shop: Shop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    return _act(
        request,
        shop,
        order,
        lambda: payment_confirm(shop=shop, order_id=order.pk, actor=_seller(request)),
        _("Payment confirmed. The order is ready to ship."),
    )


@seller_shop_view
@require_POST
def order_ship_view(request: HttpRequest, shop: Shop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, shop, order, status=400, ship_form=form)
    return _act(
        request,
        shop,
        order,
        lambda: order_ship(
            shop=shop,
            order_id=order.pk,
            actor=_seller(request),
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        ),
        _("Marked as shipped. The buyer can see the tracking number."),
    )


@seller_shop_view
@require_POST
def order_complete_view(request: HttpRequest, shop: Shop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    return _act(
        request,
        shop,
        order,
        lambda: order_complete(shop=shop, order_id=order.pk, actor=_seller(request)),
        _("Order completed."),
    )


@seller_shop_view
@require_POST
def order_cancel_view(request: HttpRequest, shop: Shop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, shop, order, status=400, cancel_form=form)
    return _act(
        request,
        shop,
        order,
        lambda: order_cancel(
            shop=shop, order_id=order.pk, actor=_seller(request), reason=form.cleaned_data["reason"]
        ),
        _("Order cancelled. Its items are back in stock."),
    )


@seller_shop_view
@require_http_methods(["GET", "POST"])
def order_refund(request: HttpRequest, shop: Shop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    form = RefundForm(request.POST if request.method == "POST" else None, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            refund = refund_create(
                shop=shop,
                order_id=order.pk,
                actor=_seller(request),
                quantities=form.quantities(),
                restock=form.cleaned_data["restock"],
                reason=form.cleaned_data["reason"],
            )
        except OrderError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Refunded %(amount)s. Send the money back to the buyer the way they paid.")
                % {"amount": order.money(refund.amount_minor)},
            )
        return _back(shop, order)
    return render(
        request,
        "dashboard/order_refund.html",
        {
            "shop": shop,
            "tab": "orders",
            "order": order,
            "form": form,
            "can_refund": "refund" in allowed_actions(order),
            "left_minor": order.total_minor - order.refunded_minor,
        },
        status=400 if request.method == "POST" else 200,
    )
