"""No serious or critical accessibility problems, as axe-core finds them in headless Chromium at
390×844, on the pages buyers and sellers use: the shop home, a product, the cart, the checkout,
an order page, the share panel, the login page, the seller's dashboard, and the channel's pages
(the brand's, the reseller's and the public ones)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.channel.helpers import buy_from, make_brand, make_reseller, pay
from tests.factories import make_order, make_review
from tests.server import production_server
from weishang.channel.certificates import certificate_current
from weishang.orders.lifecycle import order_change

from .conftest import PHONE, seller_login
from .test_buy_and_ship import tea_shop

AXE = Path(__file__).resolve().parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server_process,
    pytest.mark.django_db(transaction=True),
]


def axe_problems(page: Any) -> list[str]:
    """The serious and critical violations axe-core finds on the page, one line each."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + json.dumps([(n["target"], n["html"][:120]) for n in v["nodes"][:3]], ensure_ascii=False)
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_or_critical_accessibility_problems(tmp_path: Path, browser: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (./dev test runs npm ci in tests/a11y)")
    shop, variant = tea_shop()
    order = make_order(variant=variant)
    delivered = make_order(variant=variant, phone="+8613900000001")
    review = make_review(delivered, text="茶很香")
    review.shop.owner  # noqa: B018  (loaded before the server takes the database)
    for_review = make_order(variant=variant, phone="+8613900000002")
    for action in ("confirm_payment", "ship", "complete"):
        order_change(for_review, action, actor=None)
    product = f"/{shop.slug}/p/{variant.product_id}/"
    brand = make_brand()
    reseller = make_reseller(brand)
    sold = buy_from(reseller, brand)
    pay(sold)
    reseller_shop = reseller.user.shops.get()
    certificate = certificate_current(reseller)
    assert certificate is not None
    problems: dict[str, list[str]] = {}
    with production_server(tmp_path) as base:
        # bypass_csp: axe-core is injected as a script the page's policy would refuse
        context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        buyer_pages = [
            f"/{shop.slug}/",
            product,
            f"/{shop.slug}/share/",
            f"/o/{order.token}/",
            f"/o/{for_review.token}/",
            "/accounts/login/",
            f"/{reseller_shop.slug}/",
            f"/{reseller_shop.slug}/p/{brand.product.pk}/",
            f"/o/{sold.token}/",
            f"/{brand.shop.slug}/channel/",
            f"/{brand.shop.slug}/channel/earnings/",
            f"/verify/?q={certificate.code}",
            f"/verify/{certificate.code}/",
        ]
        for path in buyer_pages:
            page.goto(base + path)
            problems[path] = axe_problems(page)
        page.goto(base + product)
        page.check(f"input[name=variant][value='{variant.pk}']", force=True)
        with page.expect_navigation():
            page.click("button[name=buy_now]")
        for path in (f"/{shop.slug}/cart/", f"/{shop.slug}/checkout/"):
            page.goto(base + path)
            problems[path] = axe_problems(page)

        seller_login(page, base)
        dashboard = f"/dashboard/{shop.slug}"
        for path in (
            f"{dashboard}/",
            f"{dashboard}/orders/",
            f"{dashboard}/orders/{order.pk}/",
            f"{dashboard}/products/",
            f"{dashboard}/products/{variant.product_id}/",
            f"{dashboard}/customers/",
            f"{dashboard}/settings/",
            f"{dashboard}/sharing/",
            f"{dashboard}/reviews/",
            product + "share/",
        ):
            page.goto(base + path)
            problems[path] = axe_problems(page)
        context.close()

        for user, path in (
            (brand.owner.email, f"/dashboard/{brand.shop.slug}/channel/"),
            (brand.owner.email, f"/dashboard/{brand.shop.slug}/channel/audit/"),
            (reseller.user.phone, f"/dashboard/{reseller_shop.slug}/resale/"),
        ):
            context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
            page = context.new_page()
            seller_login(page, base, login=user)
            page.goto(base + path)
            problems[path] = axe_problems(page)
            context.close()

    found = {path: lines for path, lines in problems.items() if lines}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
