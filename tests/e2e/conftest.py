from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
# Flags a headless Chromium needs here: no sandbox as root, and no background calls to the
# network this machine does not have.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(
    os.environ.get("WEISHANG_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots")
)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (./dev test installs it when it can)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test itself touches the
    # database only before and after driving the browser.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def guest_checkout(page: object) -> None:
    """Fill the checkout page as a guest paying by the seller's code, and place the order."""
    page.wait_for_selector("input[name=phone]")  # type: ignore[attr-defined]
    page.fill("input[name=name]", "王小明")  # type: ignore[attr-defined]
    page.fill("input[name=phone]", "138 0013 8000")  # type: ignore[attr-defined]
    page.fill("textarea[name=address]", "浙江省杭州市西湖区龙井路 1 号")  # type: ignore[attr-defined]
    page.check("input[name=payment_method][value=manual_transfer]", force=True)  # type: ignore[attr-defined]
    page.click("form button[type=submit]:not([name])")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/o/[\w-]+/$"))  # type: ignore[attr-defined]


def seller_login(page: object, base: str, login: str = "farmer@example.com") -> None:
    """Sign in on the login page as the test shop's seller."""
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    page.fill("input[name=login]", login)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("form button[type=submit]")  # type: ignore[attr-defined]
