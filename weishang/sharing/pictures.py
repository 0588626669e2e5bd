"""What a share sends besides the link: its QR code (SVG and PNG) and a poster (PNG, phone
portrait), all made here with qrcode and Pillow; nothing leaves the machine.

The poster is what WeChat users actually send, since a plain link is often folded: the product's
photo, its name and price, the shop's name, the seller's words, and the QR code. Chinese is set
in a CJK font (Debian's fonts-noto-cjk, found by ``core.fonts``); on a machine without one, the
poster leaves out any line the fallback font cannot show rather than print empty boxes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from weishang.core.fonts import Fonts, wrap
from weishang.core.qr import qr_image

POSTER_SIZE = (750, 1334)  # a phone screen, portrait (9:16)
_INK, _SOFT, _ACCENT, _PAPER = (34, 31, 28), (118, 110, 102), (200, 70, 43), (250, 247, 242)


@dataclass(frozen=True)
class PosterContent:
    url: str  # what the QR code opens (the short link, or the page itself)
    title: str  # the product's name, or the shop's
    shop_name: str
    price: str = ""  # formatted, with its currency ("¥38.00")
    text: str = ""  # the sharer's words
    photo: Path | None = None  # the product's photo (card size), or the shop's logo
    caption: str = ""  # under the QR code: "Scan to open"


def _photo(path: Path | None, size: tuple[int, int]) -> Image.Image:
    if path is not None:
        try:
            with Image.open(path) as image:
                image.draft("RGB", size)
                return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)
        except (OSError, ValueError):
            pass  # a missing or unreadable file: the plain panel below
    return Image.new("RGB", size, (238, 232, 223))


def poster_png(content: PosterContent) -> bytes:
    width, height = POSTER_SIZE
    fonts = Fonts()
    content = replace(
        content,
        title=fonts.settable(content.title),
        shop_name=fonts.settable(content.shop_name),
        price=fonts.settable(content.price),
        text=fonts.settable(content.text),
        caption=fonts.settable(content.caption),
    )
    poster = Image.new("RGB", POSTER_SIZE, _PAPER)
    draw = ImageDraw.Draw(poster)
    photo_height = 660
    poster.paste(_photo(content.photo, (width, photo_height)), (0, 0))
    pad, y = 44, photo_height + 36

    title_font = fonts.get(44)
    if fonts.can_show(content.title):
        for line in wrap(draw, content.title, title_font, width - 2 * pad, 2):
            draw.text((pad, y), line, font=title_font, fill=_INK)
            y += 58
    if content.price and fonts.can_show(content.price):
        y += 8
        draw.text((pad, y), content.price, font=fonts.get(56), fill=_ACCENT)
        y += 76
    text_font = fonts.get(28)
    if content.text and fonts.can_show(content.text):
        for line in wrap(draw, content.text, text_font, width - 2 * pad, 2):
            draw.text((pad, y), line, font=text_font, fill=_SOFT)
            y += 40

    # The bottom band: the shop's name on the left, the QR code on the right.
    qr_side = 220
    band_top = height - qr_side - 2 * pad
    draw.line((pad, band_top, width - pad, band_top), fill=(224, 216, 204), width=2)
    poster.paste(qr_image(content.url, qr_side), (width - pad - qr_side, band_top + pad))
    left = width - 2 * pad - qr_side - 32
    shop_font = fonts.get(34)
    if fonts.can_show(content.shop_name):
        for i, line in enumerate(wrap(draw, content.shop_name, shop_font, left, 2)):
            draw.text((pad, band_top + pad + i * 46), line, font=shop_font, fill=_INK)
    if content.caption and fonts.can_show(content.caption):
        caption_font = fonts.get(26)
        for i, line in enumerate(wrap(draw, content.caption, caption_font, left, 2)):
            draw.text(
                (pad, band_top + pad + qr_side - 70 + i * 36), line, font=caption_font, fill=_SOFT
            )
    out = io.BytesIO()
    poster.save(out, "PNG", optimize=True)
    return out.getvalue()
