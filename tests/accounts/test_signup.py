from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_user
from weishang.accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")


def signup(client: Client, **data: str):  # type: ignore[no-untyped-def]
    form = {"login": "138 0013 8000", "display_name": "李阿姨", "password": PASSWORD} | data
    return client.post(SIGNUP, form)


def errors(response, field: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["code"] for e in response.context["form"].errors.get_json_data().get(field, [])]


def test_signing_up_with_a_phone_number_stores_it_as_e164_and_opens_the_shop_wizard() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = signup(client, login="138 0013 8000")

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:shop_new")
    user = User.objects.get()
    assert (user.phone, user.email, user.display_name) == ("+8613800138000", None, "李阿姨")
    assert user.check_password(PASSWORD)
    assert client.get(reverse("dashboard:shop_new")).status_code == 200  # logged in


def test_signing_up_with_an_email_address() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = signup(client, login="Tea.Garden@Example.COM")

    assert response.status_code == 302
    user = User.objects.get()
    assert (user.email, user.phone) == ("Tea.Garden@example.com", None)


@pytest.mark.parametrize(
    ("data", "field", "code", "message"),
    [
        ({"login": ""}, "login", "required", "Enter your phone number or e-mail address."),
        (
            {"login": "12345"},
            "login",
            "invalid_phone",
            "Enter a valid phone number, like 138 0013 8000, or an e-mail address.",
        ),
        (
            {"login": "li@"},
            "login",
            "invalid_email",
            "Enter a valid e-mail address, like name@example.com.",
        ),
        ({"login": "x" * 255}, "login", "max_length", None),
        ({"display_name": ""}, "display_name", "required", "Tell buyers your name."),
        ({"display_name": "名" * 61}, "display_name", "max_length", None),
        ({"password": ""}, "password", "required", "Choose a password."),
        ({"password": "12345678"}, "password", "password_too_common", None),
        ({"password": "short"}, "password", "password_too_short", None),
    ],
)
def test_signup_rejects_bad_input_and_writes_nothing(
    data: dict[str, str], field: str, code: str, message: str | None
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = signup(client, **data)

    assert response.status_code == 200
    assert code in errors(response, field)
    if message:
        assert message in response.content.decode()
    assert User.objects.count() == 0


def test_signup_with_a_phone_number_already_registered_says_so() -> None:
    make_user(phone="+8613800138000")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = signup(client, login="+86 138-0013-8000")

    assert errors(response, "login") == ["login_taken"]
    assert (
        "An account with this phone number or e-mail already exists." in response.content.decode()
    )
    assert User.objects.count() == 1


def test_signup_errors_read_in_chinese_by_default() -> None:
    client = Client()

    response = signup(client, login="12345")

    assert "请输入有效的手机号" in response.content.decode()
    assert User.objects.count() == 0


def test_signup_is_rate_limited_per_ip() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(10):
        signup(client, login=f"seller{n}@example.com")
        client.logout()

    response = signup(client, login="one-too-many@example.com")

    assert response.status_code == 429
    assert User.objects.count() == 10
