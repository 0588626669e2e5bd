"""Django settings, read from the environment.

Every knob a deployment turns is an environment variable; the defaults give a one-person shop
on an embedded SQLite database under ``WEISHANG_DATA_DIR`` (``./var``).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("WEISHANG_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY_FILE = DATA_DIR / "secret_key"
# The environment wins (`weishang serve` refuses to start without it); else the key the demo
# generated into its data folder; else a development key used only by tests and one-off
# management commands.
SECRET_KEY = (
    os.environ.get("SECRET_KEY")
    or (SECRET_KEY_FILE.read_text().strip() if SECRET_KEY_FILE.is_file() else "")
    or "dev-insecure-weishang-key-not-for-production"
)

# The public address of the site (https://shop.example.com): link previews and canonical URLs
# use it. Unset, they use the host each request came to.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "django_htmx",
    "weishang.core",
    "weishang.accounts",
    "weishang.ledger",
    "weishang.shops",
    "weishang.catalog",
    "weishang.sharing",
    "weishang.channel",
    "weishang.orders",
    "weishang.payments",
    "weishang.reviews",
    "weishang.storefront",
    "weishang.dashboard",
    "weishang.console",
    "weishang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "weishang.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files are answered (pre-compressed) before they reach it.
    "weishang.core.middleware.CompressTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "weishang.core.middleware.RequestLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "weishang.core.middleware.UserErrorMiddleware",
]

ROOT_URLCONF = "weishang.urls"
WSGI_APPLICATION = "weishang.wsgi.application"

# Django caches compiled templates in every mode since 4.1: no loader list is needed.
TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]
# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "weishang.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh checkout or a new data folder: SQLite can create the file, not its folder.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a
    # transaction starts, so two checkouts queue instead of failing half-way with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("WEISHANG_SQLITE_TEST_NAME", str(DATA_DIR / "test.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "weishang",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Carts and guest checkouts live in signed cookies: a shop page costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["weishang.accounts.backends.EmailOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("WEISHANG_FAST_PASSWORDS", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Content-Security-Policy (core.middleware.ContentSecurityPolicyMiddleware) ---------------
# Scripts and styles come only from this site's static files: no inline script runs, whatever a
# seller or buyer manages to put into a page. Inline style attributes are allowed (the templates
# use a few; a style cannot run code). Uploaded photos get a stricter policy of their own.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Hashed names (the manifest storage) are cached by browsers for a year; WhiteNoise marks them
# immutable and serves the gzip copy that collectstatic made to browsers that accept it.
WHITENOISE_MAX_AGE = 3600
# What one request may cost (core.middleware.RequestLimitsMiddleware refuses more, unread): a
# form without files, and a signed-in seller's upload (a product's nine 10 MB photos at most).
REQUEST_FORM_MAX_BYTES = 256 * 1024
REQUEST_UPLOAD_MAX_BYTES = 9 * 10 * 1024 * 1024 + 256 * 1024
# A guest's review with its photos (reviews.services.MAX_PHOTOS of 10 MB), on the order page only.
REQUEST_REVIEW_MAX_BYTES = 3 * 10 * 1024 * 1024 + 256 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_FORM_MAX_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "weishang <no-reply@localhost>")

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Rate limits ----------------------------------------------------------------------------
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_VIEW = "weishang.core.views.rate_limited"
# Rate limits count per client address (core.clientip), believing X-Forwarded-For only from these
# proxies: comma-separated addresses or networks, e.g. "127.0.0.1,10.0.0.0/8". Counters live in
# the cache, so with REDIS_URL every server process shares them.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network (like 10.0.0.0/8)"
        ) from None
RATELIMIT_IP_META_KEY = "weishang.core.clientip.client_ip"

# --- The product -------------------------------------------------------------------------
# Seconds a fresh visitor's shop home or product page is served from cache (storefront/pagecache).
STOREFRONT_PAGE_CACHE_SECONDS = int(os.environ.get("STOREFRONT_PAGE_CACHE_SECONDS", "2"))
# Minutes an unpaid manual-transfer order holds its stock before it expires.
ORDER_PAYMENT_WINDOW_MINUTES = int(os.environ.get("ORDER_PAYMENT_WINDOW_MINUTES", "30"))
# What unpaid orders may keep off the shelf (they hold stock until paid, expired or cancelled):
# units per order, and units across one buyer phone's, or one delivery address's, unpaid orders.
ORDER_UNPAID_MAX_UNITS = int(os.environ.get("ORDER_UNPAID_MAX_UNITS", "50"))
ORDER_UNPAID_MAX_UNITS_PER_BUYER = int(os.environ.get("ORDER_UNPAID_MAX_UNITS_PER_BUYER", "50"))
ORDER_UNPAID_MAX_UNITS_PER_ADDRESS = int(
    os.environ.get("ORDER_UNPAID_MAX_UNITS_PER_ADDRESS", "100")
)
# ... and across one client network's (a /24, or a /64), kept only as a keyed hash.
ORDER_UNPAID_MAX_UNITS_PER_CLIENT = int(os.environ.get("ORDER_UNPAID_MAX_UNITS_PER_CLIENT", "200"))
# Checkouts a client address, and a buyer phone, may submit (django-ratelimit rates). The address
# rate is high on purpose: a carrier's NAT puts many honest buyers behind one address.
CHECKOUT_RATE_PER_ADDRESS = os.environ.get("CHECKOUT_RATE_PER_ADDRESS", "60/m")
CHECKOUT_RATE_PER_PHONE = os.environ.get("CHECKOUT_RATE_PER_PHONE", "6/10m")
# Seconds between two sweeps that release unpaid orders whose own expiry task was lost.
ORDER_SWEEP_SECONDS = max(1, int(os.environ.get("ORDER_SWEEP_SECONDS", "60")))
# Days after a visit through a share link within which an order is attributed to it (last click
# wins; computed once, when the order is placed).
SHARE_ATTRIBUTION_DAYS = max(1, int(os.environ.get("SHARE_ATTRIBUTION_DAYS", "7")))
# Visits one client address may confirm (a person opens a few links a minute; a script more).
SHARE_VISIT_RATE_PER_ADDRESS = os.environ.get("SHARE_VISIT_RATE_PER_ADDRESS", "20/m")
# New posters one client address may have drawn (each costs the better part of a second).
SHARE_POSTER_RATE_PER_ADDRESS = os.environ.get("SHARE_POSTER_RATE_PER_ADDRESS", "10/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- The honest channel (weishang.channel) ------------------------------------------------------
# Days after delivery before a commission becomes payable (the charter's rule 7).
CHANNEL_RETURN_WINDOW_DAYS = max(0, int(os.environ.get("CHANNEL_RETURN_WINDOW_DAYS", "7")))
# The platform's fee on a channel sale, as a share of the consumer price (paid by the brand).
CHANNEL_PLATFORM_FEE_RATE = os.environ.get("CHANNEL_PLATFORM_FEE_RATE", "0")
# The smallest payout a reseller may request, in the channel's currency's major unit.
CHANNEL_PAYOUT_MINIMUM = os.environ.get("CHANNEL_PAYOUT_MINIMUM", "10")
# How long a reseller's authorization certificate is valid before it is issued again.
CERTIFICATE_VALID_DAYS = max(1, int(os.environ.get("CERTIFICATE_VALID_DAYS", "365")))
# The platform's Ed25519 signing key for certificates (PEM, PKCS#8); made on first use.
CERTIFICATE_KEY_FILE = Path(
    os.environ.get("CERTIFICATE_KEY_FILE", DATA_DIR / "certificate_signing_key.pem")
)
