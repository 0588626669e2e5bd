from django.contrib import admin
from django.urls import include, path

from weishang.core.views import healthz, media

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("weishang.accounts.urls")),
    path("admin/", admin.site.urls),  # the operators' console (weishang.console)
    path("dashboard/", include("weishang.dashboard.urls")),
    # Uploaded photos. A large deployment puts a CDN or nginx in front of MEDIA_URL; a one-person
    # shop is served by the application server itself (core.views.media pins the type).
    path("media/<path:path>", media, name="media"),
    # The storefront owns the root: /<shop-slug>/...
    path("", include("weishang.storefront.urls")),
]
