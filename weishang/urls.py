from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from weishang.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("weishang.accounts.urls")),
    path("dashboard/", include("weishang.dashboard.urls")),
    # Uploaded photos. A large deployment puts a CDN or nginx in front of MEDIA_URL; a one-person
    # shop is served by the application server itself.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    # The storefront owns the root: /<shop-slug>/...
    path("", include("weishang.storefront.urls")),
]
