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

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont, ImageOps

from weishang.core.fonts import cjk_font

POSTER_SIZE = (750, 1334)  # a phone screen, portrait (9:16)
_INK, _SOFT, _ACCENT, _PAPER = (34, 31, 28), (118, 110, 102), (200, 70, 43), (250, 247, 242)


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> bytes:
    """A QR code as one SVG path, scalable for print."""
    image = _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def qr_image(url: str, side: int) -> Image.Image:
    image = _qr(url).make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB").resize((side, side), Image.Resampling.NEAREST)


def qr_png(url: str, side: int = 512) -> bytes:
    out = io.BytesIO()
    qr_image(url, side).save(out, "PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class PosterContent:
    url: str  # what the QR code opens (the short link, or the page itself)
    title: str  # the product's name, or the shop's
    shop_name: str
    price: str = ""  # formatted, with its currency ("¥38.00")
    text: str = ""  # the sharer's words
    photo: Path | None = None  # the product's photo (card size), or the shop's logo
    caption: str = ""  # under the QR code: "Scan to open"


class _Fonts:
    """The poster's type: the CJK font at each size, or Pillow's own font as the fallback."""

    def __init__(self) -> None:
        self.cjk = cjk_font(32) is not None

    def get(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        font = cjk_font(size)
        return font if font is not None else ImageFont.load_default(size=size)

    def can_show(self, text: str) -> bool:
        # Pillow's default font covers Latin-1; anything beyond needs the CJK font.
        return self.cjk or all(ord(ch) < 256 for ch in text)

    def settable(self, text: str) -> str:
        """``text`` without the characters no font here can set (emoji, scripts the CJK font
        lacks, control characters): left out rather than drawn as empty boxes."""
        return "".join(ch for ch in text if _settable(ch)).strip()


# What Noto CJK (and so the poster) can set: Latin, Greek, Cyrillic, general punctuation and
# currency signs, CJK symbols, kana, ideographs, Hangul and the full-width forms.
_SETTABLE = (
    (0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x4FF), (0x2000, 0x206F), (0x20A0, 0x20BF),
    (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
)  # fmt: skip


def _settable(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _SETTABLE) and ch.isprintable()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int, lines: int) -> list[str]:
    """Break ``text`` into at most ``lines`` lines of ``width`` pixels (by character: Chinese
    has no spaces), the last one ending in an ellipsis when cut."""
    out: list[str] = []
    current = ""
    for ch in text:
        if draw.textlength(current + ch, font=font) <= width:  # type: ignore[arg-type]
            current += ch
            continue
        out.append(current)
        current = ch
        if len(out) == lines:
            break
    else:
        if current:
            out.append(current)
        return out
    last = out[-1]
    while last and draw.textlength(last + "…", font=font) > width:  # type: ignore[arg-type]
        last = last[:-1]
    out[-1] = last + "…"
    return out


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
    fonts = _Fonts()
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
        for line in _wrap(draw, content.title, title_font, width - 2 * pad, 2):
            draw.text((pad, y), line, font=title_font, fill=_INK)
            y += 58
    if content.price and fonts.can_show(content.price):
        y += 8
        draw.text((pad, y), content.price, font=fonts.get(56), fill=_ACCENT)
        y += 76
    text_font = fonts.get(28)
    if content.text and fonts.can_show(content.text):
        for line in _wrap(draw, content.text, text_font, width - 2 * pad, 2):
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
        for i, line in enumerate(_wrap(draw, content.shop_name, shop_font, left, 2)):
            draw.text((pad, band_top + pad + i * 46), line, font=shop_font, fill=_INK)
    if content.caption and fonts.can_show(content.caption):
        caption_font = fonts.get(26)
        for i, line in enumerate(_wrap(draw, content.caption, caption_font, left, 2)):
            draw.text(
                (pad, band_top + pad + qr_side - 70 + i * 36), line, font=caption_font, fill=_SOFT
            )
    out = io.BytesIO()
    poster.save(out, "PNG", optimize=True)
    return out.getvalue()
