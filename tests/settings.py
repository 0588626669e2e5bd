"""Test settings: the real settings, with a fast password hasher and tasks captured, not run."""

from weishang.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests enqueue into the dummy backend and assert on what was enqueued; the worker's own path is
# exercised by tests that run it explicitly against the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests render pages without running collectstatic: no manifest to look names up in.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Pages are rendered fresh in tests; tests/storefront/test_pagecache.py turns the cache on.
STOREFRONT_PAGE_CACHE_SECONDS = 0
