"""Sign up, log in, log out, with password guessing throttled and the owner never locked out.

Guessing is slowed the way OWASP describes with "device cookies": a browser that has signed in to
an account gets a signed cookie naming that account. Attempts on an account from browsers without
its cookie share one small budget per account (and one per client address), so a stranger's
guesses use up only the strangers' budget; a browser carrying the account's cookie has a budget
of its own that nobody else can spend. The real owner on a browser they signed in with before is
never locked out by someone else's wrong passwords.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from weishang.core.errors import UserError
from weishang.core.phones import normalize_phone
from weishang.core.views import rate_limited

from .backends import user_find_by_login
from .forms import LoginForm, SignupForm
from .services import user_create

# A person who forgot their password tries a handful of times; a script tries thousands.
LOGIN_RATE_PER_IP = "20/5m"
LOGIN_RATE_PER_NAME = "5/5m"  # per account, for browsers that never signed in to it
LOGIN_RATE_PER_DEVICE = "10/5m"  # per browser that has signed in to the account before
SIGNUP_RATE_PER_IP = "10/h"
DEVICE_COOKIE = "weishang_device"
DEVICE_SALT = "weishang.accounts.device"
DEVICE_MAX_AGE = 60 * 60 * 24 * 365
BACKEND = "weishang.accounts.backends.EmailOrPhoneBackend"


def login_name_key(group: str, request: HttpRequest) -> str:
    """The account a login POST aims at, however it was spelled: the account itself when one
    matches (so spellings the database treats as one, like a dotless ı on PostgreSQL, share one
    budget), else the normalised text. Looked up once per request: the device check, the rate
    limit and the device cookie all ask."""
    known: str | None = getattr(request, "_weishang_login_key", None)
    if known is not None:
        return known
    text = request.POST.get("login", "")
    user = user_find_by_login(text)
    if user is not None:
        key = f"account:{user.pk}"
    else:
        text = text.strip().lower()
        key = "name:" + ((normalize_phone(text) or text) if "@" not in text else text)
    request._weishang_login_key = key  # type: ignore[attr-defined]
    return key


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site; anything else (a view name, another host) goes to the default.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


def _known_device(request: HttpRequest) -> str | None:
    """The id of this browser if it has signed in to the account this POST aims at."""
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        device = signing.loads(token, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    aimed_at = login_name_key("", request)
    if isinstance(device, dict) and device.get("login") == aimed_at and aimed_at:
        return str(device.get("id", ""))
    return None


def _login_limited(request: HttpRequest) -> bool:
    device = _known_device(request)
    if device:
        return is_ratelimited(
            request,
            group="accounts.login.device",
            key=lambda _g, _r: device,
            rate=LOGIN_RATE_PER_DEVICE,
            increment=True,
        )
    limited_ip = is_ratelimited(
        request, group="accounts.login.ip", key="ip", rate=LOGIN_RATE_PER_IP, increment=True
    )
    limited_name = is_ratelimited(
        request,
        group="accounts.login.name",
        key=login_name_key,
        rate=LOGIN_RATE_PER_NAME,
        increment=True,
    )
    return limited_ip or limited_name


def _remember_device(request: HttpRequest, response: HttpResponse) -> None:
    token = signing.dumps(
        {"login": login_name_key("", request), "id": secrets.token_urlsafe(16)}, salt=DEVICE_SALT
    )
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
    if request.method == "POST":
        if _login_limited(request):
            return rate_limited(request)
        form = LoginForm(request, request.POST)
        if form.is_valid() and form.user is not None:
            auth_login(request, form.user, backend=BACKEND)
            response = redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
            _remember_device(request, response)
            return response
    else:
        form = LoginForm(request)
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if is_ratelimited(
            request, group="accounts.signup.ip", key="ip", rate=SIGNUP_RATE_PER_IP, increment=True
        ):
            return rate_limited(request)
        form = SignupForm(request.POST)
        if form.is_valid():
            try:
                user = user_create(
                    email=form.email,
                    phone=form.phone,
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                )
            except UserError as exc:
                form.add_error("login", ValidationError(exc.message, code=exc.code.value))
            else:
                auth_login(request, user, backend=BACKEND)
                # Back where they came from (a brand's channel page, to join it), else a shop.
                return redirect(_next_url(request, "dashboard:shop_new"))
    else:
        form = SignupForm()
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url[:300]})


@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        auth_logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")
