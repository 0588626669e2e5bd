"""Sign up, log in, log out. Login and signup POSTs are rate limited per IP and per login name."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from weishang.core.errors import UserError
from weishang.core.phones import normalize_phone
from weishang.core.views import rate_limited

from .forms import LoginForm, SignupForm
from .services import user_create

# A person who forgot their password tries a handful of times; a script tries thousands.
LOGIN_RATE_PER_IP = "20/5m"
LOGIN_RATE_PER_NAME = "5/5m"
SIGNUP_RATE_PER_IP = "10/h"
BACKEND = "weishang.accounts.backends.EmailOrPhoneBackend"


def login_name_key(group: str, request: HttpRequest) -> str:
    """The account a login POST aims at, however it was spelled."""
    text = request.POST.get("login", "").strip().lower()
    return (normalize_phone(text) or text) if "@" not in text else text


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site; anything else (a view name, another host) goes to the default.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
    if request.method == "POST":
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
        if limited_ip or limited_name:
            return rate_limited(request)
        form = LoginForm(request, request.POST)
        if form.is_valid() and form.user is not None:
            auth_login(request, form.user, backend=BACKEND)
            return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
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
                return redirect("dashboard:shop_new")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        auth_logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")
