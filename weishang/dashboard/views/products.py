from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weishang.catalog.services import (
    CatalogError,
    product_create,
    product_delete,
    product_image_delete,
    product_image_move,
    product_images_add,
    product_move,
    product_update,
)
from weishang.core.errors import UserError
from weishang.core.images import ImageRejected

from ..access import seller_shop_view
from ..forms import BaseVariantFormSet, PhotoAddForm, ProductForm, VariantFormSet
from ..selectors import shop_photo, shop_product, shop_products
from .common import add_user_error

if TYPE_CHECKING:
    from weishang.catalog.models import Product, ProductImage
    from weishang.shops.models import Shop


def _product(shop: Shop, product_id: int) -> Product:
    return shop_product(shop=shop, product_id=product_id)


def _product_save(form: ProductForm, save: Callable[..., Product]) -> Product | None:
    """Call ``product_create`` or ``product_update`` with the form's fields; on a refused photo or
    variant list, put the reason on the form and return None (nothing was written)."""
    data = form.cleaned_data
    fields = {name: data[name] for name in ("name", "subtitle", "description", "is_published")}
    try:
        return save({**fields, "photos": data["photos"]})
    except ImageRejected as exc:
        add_user_error(form, "photos", exc)
    except CatalogError as exc:
        add_user_error(form, None, exc)
    return None


def _to_edit(shop: Shop, product_id: int) -> HttpResponse:
    return redirect("dashboard:product_edit", shop_slug=shop.slug, product_id=product_id)


def _direction(request: HttpRequest) -> int:
    try:
        direction = int(request.POST.get("direction", ""))
    except ValueError:
        raise Http404 from None
    if direction not in (-1, 1):
        raise Http404
    return direction


@seller_shop_view
def product_list(request: HttpRequest, shop: Shop) -> HttpResponse:
    products = list(shop_products(shop=shop))
    return render(
        request,
        "dashboard/product_list.html",
        {"shop": shop, "tab": "products", "products": products},
    )


def _variant_initial(product: Product) -> list[dict[str, object]]:
    return [
        {"id": v.pk, "name": v.name, "price": v.price_minor, "stock": v.stock}
        for v in product.variants.all()
    ]


def _render_form(
    request: HttpRequest,
    shop: Shop,
    form: ProductForm,
    formset: BaseVariantFormSet,
    product: Product | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "dashboard/product_form.html",
        {
            "shop": shop,
            "tab": "products",
            "form": form,
            "formset": formset,
            "product": product,
            "photos": list(product.images.all()) if product else [],
            "photo_form": PhotoAddForm(),
        },
        status=status,
    )


@seller_shop_view
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest, shop: Shop) -> HttpResponse:
    form = ProductForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    formset = VariantFormSet(
        request.POST if request.method == "POST" else None,
        prefix="variants",
        currency=shop.currency,
        initial=None if request.method == "POST" else [{"name": "", "stock": 10}],
    )
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            created = _product_save(
                form,
                lambda fields: product_create(
                    shop=shop, variants=formset.variant_inputs(set()), **fields
                ),
            )
            if created is not None:
                messages.success(request, _("Product added."))
                return _to_edit(shop, created.pk)
        return _render_form(request, shop, form, formset, status=400)
    return _render_form(request, shop, form, formset)


@seller_shop_view
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    product = _product(shop, product_id)
    initial = {
        "name": product.name,
        "subtitle": product.subtitle,
        "description": product.description,
        "is_published": product.is_published,
    }
    form = ProductForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
    )
    formset = VariantFormSet(
        request.POST if request.method == "POST" else None,
        prefix="variants",
        currency=shop.currency,
        initial=_variant_initial(product),
    )
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            known = set(product.variants.values_list("pk", flat=True))
            updated = _product_save(
                form,
                lambda fields: product_update(
                    product=product, variants=formset.variant_inputs(known), **fields
                ),
            )
            if updated is not None:
                messages.success(request, _("Changes saved."))
                return _to_edit(shop, updated.pk)
        product.refresh_from_db()
        return _render_form(request, shop, form, formset, product, status=400)
    return _render_form(request, shop, form, formset, product)


@seller_shop_view
@require_POST
def product_move_view(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    product_move(product=_product(shop, product_id), direction=_direction(request))
    return redirect("dashboard:product_list", shop_slug=shop.slug)


@seller_shop_view
@require_POST
def product_delete_view(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    product = _product(shop, product_id)
    product_delete(product=product)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": product.name})
    return redirect("dashboard:product_list", shop_slug=shop.slug)


@seller_shop_view
@require_POST
def photo_add(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    product = _product(shop, product_id)
    form = PhotoAddForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            product_images_add(product=product, uploads=form.cleaned_data["photos"])
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            if form.cleaned_data["photos"]:
                messages.success(request, _("Photos added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return _to_edit(shop, product.pk)


def _photo(shop: Shop, product_id: int, photo_id: int) -> ProductImage:
    return shop_photo(shop=shop, product_id=product_id, photo_id=photo_id)


@seller_shop_view
@require_POST
def photo_move(request: HttpRequest, shop: Shop, product_id: int, photo_id: int) -> HttpResponse:
    product_image_move(photo=_photo(shop, product_id, photo_id), direction=_direction(request))
    return _to_edit(shop, product_id)


@seller_shop_view
@require_POST
def photo_delete(request: HttpRequest, shop: Shop, product_id: int, photo_id: int) -> HttpResponse:
    product_image_delete(photo=_photo(shop, product_id, photo_id))
    messages.success(request, _("Photo removed."))
    return _to_edit(shop, product_id)
