"""The seller's reviews: read them and reply once. A review can never be edited or deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from weishang.core.errors import UserError
from weishang.reviews.services import review_reply

from ..access import seller_shop_view
from ..selectors import shop_review, shop_reviews

if TYPE_CHECKING:
    from weishang.shops.models import Shop

PAGE_SIZE = 30


@seller_shop_view
def review_list(request: HttpRequest, shop: Shop) -> HttpResponse:
    return _review_page(request, shop)


def _review_page(
    request: HttpRequest, shop: Shop, *, error: str = "", error_review: int = 0, status: int = 200
) -> HttpResponse:
    page = Paginator(shop_reviews(shop=shop), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/review_list.html",
        {
            "shop": shop,
            "tab": "products",
            "page": page,
            "error": error,
            "error_review": error_review,
        },
        status=status,
    )


@seller_shop_view
@require_POST
def review_reply_view(request: HttpRequest, shop: Shop, review_id: int) -> HttpResponse:
    review = shop_review(shop=shop, review_id=review_id)
    try:
        review_reply(review=review, actor=request.user, text=request.POST.get("reply", ""))  # type: ignore[arg-type]
    except UserError as exc:
        return _review_page(request, shop, error=exc.message, error_review=review.pk, status=400)
    return redirect("dashboard:review_list", shop_slug=shop.slug)
