"""Who is not a visitor: link-preview bots, crawlers and HTTP tools.

Checked on ``/s/<code>`` before any cookie is set. This list is the first of two filters: a visit
is recorded only when the landing page's script confirms it (``services``), which a fetcher that
reads HTML for a preview never runs, whatever user agent it sends.
"""

from __future__ import annotations

import re

from django.http import HttpRequest

# Preview fetchers by product (Meta, X, Telegram, WhatsApp, Slack, Discord, LinkedIn, Skype, Apple,
# Pinterest, Reddit, Viber, Line, KakaoTalk), search crawlers (Google, Bing, Baidu, Sogou, 360,
# Yandex, Petal, Bytedance) and generic tools; matched anywhere in the user agent, any case.
_BOTS = re.compile(
    r"(?<!cu)bot\b|bot/|spider|crawl|slurp|facebookexternalhit|facebookcatalog|meta-external"
    r"|twitterbot|telegrambot|whatsapp|slack|discord|linkedin|skypeuripreview|applebot"
    r"|pinterest|redditbot|viber|line-poker|kakaotalk-scrap|embedly|iframely|preview"
    r"|baiduspider|sogou|360spider|yisouspider|bytespider|petalbot|yandex|bingpreview"
    r"|curl/|wget/|python-requests|python-urllib|httpx|go-http-client|okhttp|java/|libwww"
    r"|chrome-lighthouse",
    re.IGNORECASE,
)


def is_bot(request: HttpRequest) -> bool:
    """A request that is not a person opening a link: a known fetcher, no user agent at all, a
    HEAD request, or a browser's speculative prefetch."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not agent or request.method == "HEAD":
        return True
    purpose = request.META.get("HTTP_SEC_PURPOSE", "") or request.META.get("HTTP_PURPOSE", "")
    if "prefetch" in purpose.lower() or "preview" in purpose.lower():
        return True
    return bool(_BOTS.search(agent[:512]))
