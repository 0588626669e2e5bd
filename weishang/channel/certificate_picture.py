"""The printable picture of a reseller's certificate (A-series proportions, PNG): who authorizes
whom, until when, the code, and a QR code that opens the public verification page."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageDraw

from weishang.core.fonts import Fonts, wrap
from weishang.core.qr import qr_image

from .models import Certificate

SIZE = (1240, 1754)  # A4 at 150 dpi
_INK, _SOFT, _ACCENT, _PAPER = (34, 31, 28), (118, 110, 102), (176, 58, 36), (252, 250, 245)


def certificate_png(certificate: Certificate, verify_url: str, *, revoked: bool = False) -> bytes:
    payload = json.loads(certificate.payload)
    fonts = Fonts()
    width, height = SIZE
    page = Image.new("RGB", SIZE, _PAPER)
    draw = ImageDraw.Draw(page)
    draw.rectangle((40, 40, width - 40, height - 40), outline=_ACCENT, width=6)
    draw.rectangle((60, 60, width - 60, height - 60), outline=_ACCENT, width=2)

    def centred(text: str, y: int, size: int, fill: tuple[int, int, int] = _INK) -> int:
        text = fonts.settable(text)
        if not text or not fonts.can_show(text):
            return y
        font = fonts.get(size)
        for line in wrap(draw, text, font, width - 240, 2):
            w = draw.textlength(line, font=font)
            draw.text(((width - w) / 2, y), line, font=font, fill=fill)
            y += int(size * 1.35)
        return y

    y = centred("授权证书", 170, 88, _ACCENT)
    y = centred("Authorization certificate", y + 4, 40, _SOFT)
    y = centred(payload["brand"]["name"], y + 90, 64)
    y = centred("授权 / authorizes", y + 10, 34, _SOFT)
    reseller = payload["reseller"]
    y = centred(reseller["name"], y + 30, 72)
    if reseller.get("shop_name") and reseller["shop_name"] != reseller["name"]:
        y = centred(reseller["shop_name"], y, 40, _SOFT)
    y = centred("为其授权经销商 / as its authorized reseller", y + 20, 34, _SOFT)
    valid = f"{payload['valid_from'][:10]} — {payload['valid_until'][:10]}"
    y = centred(valid, y + 60, 40)
    y = centred(f"证书编号 Certificate {payload['code']}", y + 10, 44, _ACCENT)
    side = 420
    page.paste(qr_image(verify_url, side), ((width - side) // 2, y + 50))
    y += 50 + side + 20
    y = centred("扫码核验 · Scan to verify", y, 34, _SOFT)
    centred(verify_url, y + 4, 26, _SOFT)
    if revoked:
        stamp = fonts.get(120)
        text = "已撤销 REVOKED"
        w = draw.textlength(text, font=stamp)
        draw.text(((width - w) / 2, height / 2 - 60), text, font=stamp, fill=(200, 30, 30))
    out = io.BytesIO()
    page.save(out, "PNG", optimize=True)
    return out.getvalue()
