from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from weishang.shops.services import (
    ShopError,
    ShopErrorCode,
    ShopPhotoRejected,
    shop_create,
    shop_currency_changeable,
    shop_update,
)

from ..access import seller_shop_view
from ..forms import ShopForm
from ..selectors import seller_shops
from .common import add_user_error

if TYPE_CHECKING:
    from weishang.shops.models import Shop


@login_required
@require_http_methods(["GET", "POST"])
def shop_new(request: HttpRequest) -> HttpResponse:
    """The shop wizard: one page, the essentials first, the rest folded below."""
    form = ShopForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_create(
                owner=request.user,  # type: ignore[arg-type]
                logo=form.cleaned_data["logo"],
                payment_qr=form.cleaned_data["payment_qr"],
                **form.shop_fields(),
            )
        except ShopPhotoRejected as exc:
            add_user_error(form, exc.field, exc)
        except ShopError as exc:
            locked = exc.code == ShopErrorCode.CURRENCY_LOCKED
            add_user_error(form, "currency" if locked else "slug", exc)
        else:
            return redirect("dashboard:shop_ready", shop_slug=shop.slug)
    first = not seller_shops(user_id=request.user.pk)
    return render(request, "dashboard/shop_form.html", {"form": form, "first_shop": first})


@seller_shop_view
def shop_ready(request: HttpRequest, shop: Shop) -> HttpResponse:
    return render(
        request,
        "dashboard/shop_ready.html",
        {"shop": shop, "shop_url": request.build_absolute_uri(f"/{shop.slug}/")},
    )


@seller_shop_view
@require_http_methods(["GET", "POST"])
def shop_settings(request: HttpRequest, shop: Shop) -> HttpResponse:
    initial = {
        name: getattr(shop, name)
        for name in ShopForm.base_fields
        if name not in {"logo", "payment_qr"}
    }
    form = ShopForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
        shop_id=shop.pk,
        currency_locked=not shop_currency_changeable(shop),
    )
    if request.method == "POST" and form.is_valid():
        try:
            shop_update(
                shop=shop,
                logo=form.cleaned_data["logo"],
                payment_qr=form.cleaned_data["payment_qr"],
                remove_logo=request.POST.get("remove_logo") == "1",
                remove_payment_qr=request.POST.get("remove_payment_qr") == "1",
                **form.shop_fields(),
            )
        except ShopPhotoRejected as exc:
            add_user_error(form, exc.field, exc)
        except ShopError as exc:
            add_user_error(form, "slug", exc)
        else:
            messages.success(request, _("Shop settings saved."))
            return redirect("dashboard:shop_settings", shop_slug=shop.slug)
    return render(
        request,
        "dashboard/shop_form.html",
        {
            "form": form,
            "shop": shop,
            "tab": "shop",
            "shop_url": request.build_absolute_uri(f"/{shop.slug}/"),
        },
    )
