from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_shop, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "138-0013-8000"])
def test_logging_in_with_a_phone_number_in_any_spelling(typed: str) -> None:
    user = make_user(phone="+8613800138000")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(LOGIN, {"login": typed, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert logged_in_user_id(client) == str(user.pk)


def test_logging_in_with_an_email_address_ignores_its_case() -> None:
    user = make_user(email="tea@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(LOGIN, {"login": "TEA@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_after_login_the_dashboard_opens_the_sellers_only_shop() -> None:
    user = make_user(email="tea@example.com")
    shop = make_shop(owner=user, slug="tea-garden")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(LOGIN, {"login": "tea@example.com", "password": PASSWORD})

    response = client.get(reverse("dashboard:home"))

    assert response["Location"] == reverse("dashboard:shop_home", args=[shop.slug])


def test_login_follows_a_next_link_on_this_site_only() -> None:
    make_user(email="tea@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    inside = client.post(
        LOGIN, {"login": "tea@example.com", "password": PASSWORD, "next": "/dashboard/shop/new/"}
    )
    client.logout()
    outside = client.post(
        LOGIN, {"login": "tea@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert inside["Location"] == "/dashboard/shop/new/"
    assert outside["Location"] == reverse("dashboard:home")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"login": "tea@example.com", "password": "wrong password"}, "invalid_login"),
        ({"login": "nobody@example.com", "password": PASSWORD}, "invalid_login"),
        ({"login": "", "password": PASSWORD}, "required"),
        ({"login": "tea@example.com", "password": ""}, "required"),
    ],
)
def test_a_failed_login_says_why_and_logs_nobody_in(data: dict[str, str], code: str) -> None:
    make_user(email="tea@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(LOGIN, data)

    assert response.status_code == 200
    codes = [
        e["code"] for errs in response.context["form"].errors.get_json_data().values() for e in errs
    ]
    assert codes == [code]
    assert logged_in_user_id(client) is None


def test_a_wrong_password_message_is_a_sentence_a_person_understands() -> None:
    make_user(email="tea@example.com")

    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        LOGIN, {"login": "tea@example.com", "password": "nope"}
    )

    assert (
        "That phone number or e-mail and password do not match an account."
        in response.content.decode()
    )


def test_login_attempts_on_one_account_are_limited_even_from_many_addresses() -> None:
    make_user(phone="+8613800138000")
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(LOGIN, {"login": "13800138000", "password": "guess"})

    # The sixth try, spelled differently and with the right password, is still refused.
    response = Client(REMOTE_ADDR="10.0.1.1").post(
        LOGIN, {"login": "+86 138 0013 8000", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "rate_limited" in response.content.decode() or response.status_code == 429


def test_a_strangers_wrong_passwords_never_lock_the_owner_out_of_a_browser_they_used() -> None:
    make_user(phone="+8613800138000")
    owner = Client(REMOTE_ADDR="10.1.1.1")
    assert owner.post(LOGIN, {"login": "13800138000", "password": PASSWORD}).status_code == 302
    owner.post("/accounts/logout/")

    # A stranger guesses until the account's budget for unknown browsers is spent
    stranger = [
        Client(REMOTE_ADDR=f"10.2.0.{n}").post(LOGIN, {"login": "13800138000", "password": "no"})
        for n in range(7)
    ]
    assert [r.status_code for r in stranger][-1] == 429

    # The owner, on the browser they signed in with, still gets in at once
    response = owner.post(LOGIN, {"login": "+86 138 0013 8000", "password": PASSWORD})
    assert response.status_code == 302


def test_a_device_cookie_is_bound_to_its_account_and_cannot_be_forged() -> None:
    make_user(phone="+8613800138000")
    make_user(phone="+8613900139000")
    owner = Client()
    owner.post(LOGIN, {"login": "13900139000", "password": PASSWORD})  # a cookie for the other
    owner.post("/accounts/logout/")
    owner.cookies["weishang_device"] = owner.cookies["weishang_device"].value + "x"
    for n in range(5):
        Client(REMOTE_ADDR=f"10.3.0.{n}").post(LOGIN, {"login": "13800138000", "password": "no"})

    refused = owner.post(LOGIN, {"login": "13800138000", "password": PASSWORD})

    assert refused.status_code == 429


def test_login_attempts_from_one_address_are_limited_across_accounts() -> None:
    client = Client(REMOTE_ADDR="10.9.9.9", HTTP_ACCEPT_LANGUAGE="en")
    for n in range(20):
        assert (
            client.post(LOGIN, {"login": f"u{n}@example.com", "password": "x"}).status_code == 200
        )

    response = client.post(LOGIN, {"login": "u99@example.com", "password": "x"})

    assert response.status_code == 429
    assert (
        "Too many attempts. Please wait a few minutes and try again." in response.content.decode()
    )


def test_logging_out_takes_a_post_and_ends_the_session() -> None:
    user = make_user()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)

    page = client.get(reverse("accounts:logout"))
    response = client.post(reverse("accounts:logout"))

    assert page.status_code == 200 and logged_in_user_id(client) is None
    assert response["Location"] == reverse("accounts:login")


def test_login_and_signup_pages_carry_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    make_user(email="tea@example.com")

    refused = client.post(LOGIN, {"login": "tea@example.com", "password": PASSWORD})
    page = client.get(LOGIN)

    assert refused.status_code == 403
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("accounts:signup")).content.decode()


@pytest.mark.usefixtures("postgres_only")
def test_spellings_the_database_treats_as_one_account_share_one_guessing_budget() -> None:
    make_user(email="chen.xiuying@example.com")
    for n in range(5):
        Client(REMOTE_ADDR=f"10.4.0.{n}").post(
            LOGIN, {"login": "chen.x\u0131uy\u0131ng@example.com", "password": "no"}
        )
    refused = Client(REMOTE_ADDR="10.4.1.1").post(
        LOGIN, {"login": "CHEN.XIUYING@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 429
