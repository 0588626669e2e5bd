"""The buyer's pages: thin views over ``selectors`` (reads), ``cart`` (the session) and
``order_place`` (the one write)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from weishang.channel.certificates import certificate_code
from weishang.core.clientip import client_ip
from weishang.core.errors import UserError
from weishang.core.views import rate_limited
from weishang.orders.choices import PaymentMethod
from weishang.orders.errors import OrderError
from weishang.orders.services import (
    MAX_LINE_QUANTITY,
    order_place,
    order_referral_remove,
    prices_fingerprint,
)
from weishang.reviews.services import MAX_PHOTOS as REVIEW_MAX_PHOTOS
from weishang.reviews.services import review_create, reviewable_lines

from . import selectors
from .cart import (
    CartContents,
    cart_count,
    cart_get,
    cart_load,
    cart_save,
    cart_set_quantity,
    orders_recent,
    orders_remember,
    supplier_remember,
    supplier_remembered,
)
from .forms import CheckoutForm, payment_choices
from .fragments import FRAGMENT_SECONDS, product_page_fingerprint, shop_home_fingerprint
from .order_status import minutes_left, order_headline, order_steps
from .pagecache import page_cached
from .referral import ARRIVAL_COOKIE, arrival_confirm, referrer_name, visitor_token

if TYPE_CHECKING:
    from weishang.orders.models import Order
    from weishang.shops.models import Shop

ShopView = Callable[..., HttpResponse]


def shop_missing(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "storefront/shop_missing.html", {"slug": slug}, status=404)


def with_shop(view: ShopView) -> ShopView:
    """Resolve ``<slug>`` to the shop (one query) or answer with the friendly 404 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        shop = selectors.shop_by_slug(slug)
        if shop is None:
            return shop_missing(request, slug)
        return view(request, shop, *args, **kwargs)

    return wrapped


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # set by django_htmx's middleware


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/landing.html", {"shops": selectors.shops_with_products()})


def _preview(
    shop: Shop, *, title: str, path: str, photo: Any = None, kind: str = "website", **extra: Any
) -> dict[str, Any]:
    """What a shared link's preview shows (storefront/includes/preview.html): the product's first
    photo (600 px square), else the shop's logo (320 px square), else no picture."""
    image: dict[str, Any] = {}
    if photo is not None:
        image = {"image": photo.card.url, "width": 600, "height": 600}
    elif shop.logo:
        image = {"image": shop.logo.url, "width": 320, "height": 320}
    return {"kind": kind, "title": title, "path": path, **image, **extra}


@page_cached
@require_safe
@with_shop
def shop_home(request: HttpRequest, shop: Shop) -> HttpResponse:
    products = selectors.shop_products(shop)
    return render(
        request,
        "storefront/shop_home.html",
        {
            "shop": shop,
            "products": products,
            "has_products": bool(products),
            "cart_count": cart_count(request, shop_id=shop.pk),
            "recent_orders": orders_recent(request, shop_id=shop.pk),
            "delivered": selectors.shop_record(shop),
            "fingerprint": shop_home_fingerprint(shop, products),
            "fragment_seconds": FRAGMENT_SECONDS,
            "preview": _preview(
                shop, title=shop.name, path=reverse("storefront:shop", args=[shop.slug])
            ),
        },
    )


@page_cached
@require_safe
@with_shop
def product_detail(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    found = selectors.product_for_page(shop=shop, product_id=product_id)
    if found is None:
        return render(request, "storefront/product_missing.html", {"shop": shop}, status=404)
    product, variants, images = found
    supplier = getattr(product, "supplier", None)  # a product the shop resells from a channel
    resale = getattr(product, "resale", None)
    on_sale = [v for v in variants if v.stock > 0]
    prices = [v.price_minor for v in variants]
    return render(
        request,
        "storefront/product.html",
        {
            "shop": shop,
            "product": product,
            "variants": variants,
            "images": images,
            "chosen": on_sale[0] if on_sale else None,
            "lowest_price_minor": min(prices) if prices else None,
            "preview": _preview(
                shop,
                kind="product",
                title=product.name,
                path=reverse("storefront:product", args=[shop.slug, product.pk]),
                photo=images[0] if images else None,
                price=min((v.price for v in variants), default=None),
            ),
            "max_quantity": MAX_LINE_QUANTITY,
            "trust": selectors.product_trust(product.pk),
            "cart_count": cart_count(request, shop_id=shop.pk),
            "supplier": supplier,
            "certificate_code": certificate_code(resale.membership.pk) if resale else "",
            "fingerprint": product_page_fingerprint(shop, product, variants, images),
            "fragment_seconds": FRAGMENT_SECONDS,
        },
    )


@require_POST
@with_shop
def cart_add(request: HttpRequest, shop: Shop) -> HttpResponse:
    """Put a variant in the cart: the badge for htmx, the cart (or checkout) page otherwise."""
    variant = selectors.variant_on_sale(shop, _int(request.POST.get("variant")))
    wanted = max(1, _int(request.POST.get("quantity"), 1))
    buy_now = "buy_now" in request.POST
    status, message = 200, ""
    cart = cart_get(request, shop_id=shop.pk)
    if variant is None:
        status, message = 409, _("Please choose an option that is for sale.")
    elif variant.stock <= 0:
        status, message = 409, _("Sold out: %(item)s.") % {"item": variant}
    elif cart and selectors.supplier_of([*cart, variant.pk]) != {variant.product.shop_id}:
        # One cart, one order: it ships from one place and is paid to one seller.
        status, message = (
            409,
            _(
                "Your cart holds items that ship from elsewhere. Check those out first, then add this."
            ),
        )
    else:
        quantity = min(cart.get(variant.pk, 0) + wanted, variant.stock, MAX_LINE_QUANTITY)
        cart_set_quantity(request, shop_id=shop.pk, variant_id=variant.pk, quantity=quantity)
        supplier_remember(request, shop_id=shop.pk, supplier_id=variant.product.shop_id)
        if quantity < cart.get(variant.pk, 0) + wanted:
            message = _("Only %(left)d left: your cart now holds %(quantity)d.") % {
                "left": variant.stock,
                "quantity": quantity,
            }
        else:
            message = _("Added to your cart.")
    if _is_htmx(request):
        if buy_now and status == 200:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("storefront:checkout", args=[shop.slug])
            return response
        return render(
            request,
            "storefront/includes/cart_added.html",
            {
                "shop": shop,
                "cart_count": cart_count(request, shop_id=shop.pk),
                "message": message,
            },
            # htmx swaps only 2xx answers by default; the toast says what went wrong.
            status=200,
        )
    if status != 200:
        return _cart_page(request, shop, error=message, status=status)
    return redirect("storefront:checkout" if buy_now else "storefront:cart", shop.slug)


@require_POST
@with_shop
def cart_update(request: HttpRequest, shop: Shop) -> HttpResponse:
    """Change one line's quantity (0 removes it)."""
    variant_id = _int(request.POST.get("variant"))
    quantity = _int(request.POST.get("quantity"), -1)
    if variant_id <= 0 or quantity < 0:
        return _cart_page(request, shop, error=_("That quantity is not valid."), status=400)
    cart_set_quantity(request, shop_id=shop.pk, variant_id=variant_id, quantity=quantity)
    if _is_htmx(request):
        return _cart_page(request, shop, partial=True)
    return redirect("storefront:cart", shop.slug)


def _cart_page(
    request: HttpRequest, shop: Shop, *, error: str = "", status: int = 200, partial: bool = False
) -> HttpResponse:
    template = "storefront/cart.html" + ("#cart-body" if partial else "")
    context = {
        "shop": shop,
        "cart": cart_load(request, shop),
        "error": error,
        "cart_count": cart_count(request, shop_id=shop.pk),
    }
    return render(request, template, context, status=status)


@require_safe
@with_shop
def cart_page(request: HttpRequest, shop: Shop) -> HttpResponse:
    return _cart_page(request, shop)


@require_http_methods(["GET", "POST"])
@ratelimit(
    key="ip", rate=lambda _g, _r: settings.CHECKOUT_RATE_PER_ADDRESS, method="POST", block=False
)
@with_shop
def checkout(request: HttpRequest, shop: Shop) -> HttpResponse:
    """Details and payment on one page; a valid POST places the order and shows it."""
    if getattr(request, "limited", False):
        return rate_limited(request)
    if request.method == "GET":
        cart = cart_load(request, shop)
        if not cart.lines:
            return redirect("storefront:cart", shop.slug)
        form = CheckoutForm(
            shop=cart.supplier or shop,
            initial={"checkout_key": secrets.token_urlsafe(24)},
        )
        return _checkout_page(request, shop, form, cart)

    # Who takes the payment: the brand, for a cart the shop resells (remembered when it was
    # filled; order_place checks the way of paying again against the real supplier).
    supplier_id = supplier_remembered(request, shop_id=shop.pk)
    supplier = (selectors.shop_by_id(supplier_id) if supplier_id else None) or shop
    form = CheckoutForm(request.POST, shop=supplier)
    if not form.is_valid():
        return _checkout_page(request, shop, form, cart_load(request, shop), status=400)
    data = form.cleaned_data
    if is_ratelimited(
        request,
        group="storefront.checkout.phone",
        key=lambda _g, _r: data["phone"],
        rate=settings.CHECKOUT_RATE_PER_PHONE,
        increment=True,
    ):
        return rate_limited(request)
    arrival_confirm(request)  # a buyer whose page's script never ran still came by the link
    try:
        # The cart may already be empty on a retry: order_place answers the key's order first.
        order = order_place(
            shop=shop,
            quantities=cart_get(request, shop_id=shop.pk),
            buyer_name=data["name"],
            buyer_phone=data["phone"],
            shipping_address=data["address"],
            buyer_note=data["note"],
            payment_method=data["payment_method"],
            checkout_key=data["checkout_key"],
            client_ip=client_ip(request),
            visitor=visitor_token(request),
            buyer=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            prices_seen=data["prices_seen"],
        )
    except OrderError as error:
        # The page shown now carries its own lines: placing again agrees to what it shows.
        return _checkout_page(
            request, shop, form, cart_load(request, shop), error=error, status=409
        )
    if (order.sold_by_id or order.shop_id) != shop.pk:
        raise Http404  # a key from another shop's checkout: never reveal that order
    cart_save(request, shop_id=shop.pk, cart={})
    orders_remember(request, shop_id=shop.pk, token=order.token, reference=order.reference)
    response = redirect("storefront:order", order.token)
    response.delete_cookie(ARRIVAL_COOKIE, samesite="Lax")
    return response


def _checkout_page(
    request: HttpRequest,
    shop: Shop,
    form: CheckoutForm,
    cart: CartContents,
    *,
    error: OrderError | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "storefront/checkout.html",
        {
            "shop": shop,
            "form": form,
            "cart": cart,
            "error": error,
            "payment_choices": payment_choices(cart.supplier or shop),
            "prices_seen": prices_fingerprint(
                (line.variant.pk, line.quantity, line.variant.price_minor) for line in cart.lines
            ),
            "supplier": cart.supplier if cart.supplier and cart.supplier != shop else None,
            "cart_count": cart.count,
        },
        status=status,
    )


def with_order(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve ``<token>`` (the order page's link is its only key) to the order, or answer with
    the friendly "no such order" page."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        order = selectors.order_by_token(token) if len(token) <= 32 else None
        if order is None:
            return render(request, "storefront/order_missing.html", status=404)
        return view(request, order)

    return wrapped


@require_safe
@with_order
def order_detail(request: HttpRequest, order: Order) -> HttpResponse:
    return _order_page(request, order)


def _order_page(
    request: HttpRequest,
    order: Order,
    *,
    review_error: str = "",
    status: int = 200,
) -> HttpResponse:
    title, explanation = order_headline(order)
    return render(
        request,
        "storefront/order.html",
        {
            "order": order,
            "shop": order.shop,
            "lines": list(order.lines.all()),
            "title": title,
            "explanation": explanation,
            "steps": order_steps(order),
            "minutes_left": minutes_left(order),
            "pays_by_transfer": order.payment_method == PaymentMethod.MANUAL_TRANSFER,
            "referrer": referrer_name(order),
            "certificate_code": certificate_code(order.reseller_id) if order.reseller_id else "",
            "reviewable": reviewable_lines(order),
            "review_error": review_error,
            "review_max_photos": REVIEW_MAX_PHOTOS,
        },
        status=status,
    )


@require_POST
@with_order
def order_review(request: HttpRequest, order: Order) -> HttpResponse:
    """The buyer reviews one line of their delivered order, with up to three photos."""
    line_id = _int(request.POST.get("line"))
    line = next((line for line in order.lines.all() if line.pk == line_id), None)
    if line is None:
        return _order_page(request, order, review_error=_("Choose an item to review."), status=400)
    try:
        review_create(
            order=order,
            line=line,
            rating=_int(request.POST.get("rating")),
            text=request.POST.get("text", ""),
            photos=request.FILES.getlist("photos"),
        )
    except UserError as error:  # nothing was written
        return _order_page(request, order, review_error=error.message, status=400)
    return redirect(reverse("storefront:order", args=[order.token]) + "#reviews")


@require_POST
@with_order
def order_referral_remove_view(request: HttpRequest, order: Order) -> HttpResponse:
    """The buyer removes the binding to whoever referred the order."""
    order_referral_remove(order=order)
    return redirect("storefront:order", order.token)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers and link-preview bots ask for whatever the page says."""
    response = redirect(static("storefront/favicon-48.png"), permanent=True)
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
@with_shop
def shop_manifest(request: HttpRequest, shop: Shop) -> HttpResponse:
    """A web app manifest per shop: "add to home screen" opens this shop, under its name."""
    icons = [
        {
            "src": static(f"storefront/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
        }
        for size in (192, 512)
    ]
    if shop.logo:
        icons.insert(0, {"src": shop.logo.url, "sizes": "320x320", "type": "image/jpeg"})
    manifest = {
        "name": shop.name,
        "short_name": shop.name[:12],
        "start_url": reverse("storefront:shop", args=[shop.slug]),
        "scope": reverse("storefront:shop", args=[shop.slug]),
        "display": "standalone",
        "background_color": "#faf7f2",
        "theme_color": "#c8462b",
        "lang": get_language() or settings.LANGUAGE_CODE,
        "icons": icons,
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response
