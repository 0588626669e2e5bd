"""Shop logos (a red seal with the shop's character) and demo payment QR cards.

The QR card holds a real QR code, but of a ``weishang-demo-pay:`` text no payment app accepts,
and says "演示 DEMO" in large type: nobody can mistake it for a collection code.
"""

from __future__ import annotations

import io

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from weishang.core.fonts import cjk_font

from .paint import Color, F, noise

PROVIDERS: dict[str, tuple[Color, str]] = {
    "wechat": ((0.03, 0.76, 0.38), "微信收款 · WeChat Pay"),
    "alipay": ((0.09, 0.47, 1.0), "支付宝收款 · Alipay"),
}


def _rgb(color: Color) -> tuple[int, int, int]:
    r, g, b = (round(c * 255) for c in color)
    return r, g, b


# Tasks of the past: the history's orders were "notified" long ago. Queueing their e-mails and
# expiry checks would flood the demo's console when the worker starts.
QUIET_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def png_buffer(image: Image.Image) -> io.BytesIO:
    """An image as PNG bytes to hand to the photo pipeline, as an upload would."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def shop_logo(char: str, color: Color, *, size: int = 640, seed: int = 0) -> Image.Image:
    """A square seal: the character carved in relief on a cinnabar stone, on rice paper."""
    rng = np.random.default_rng(seed)
    paper = np.full((size, size, 3), (0.97, 0.95, 0.9), F)
    paper *= (0.97 + 0.04 * noise(rng, size, size, size / 40))[..., None]
    seal = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(seal)
    m = size * 0.12
    draw.rounded_rectangle((m, m, size - m, size - m), radius=size * 0.06, fill=255)
    inner = size * 0.19
    draw.rounded_rectangle(
        (inner, inner, size - inner, size - inner),
        radius=size * 0.03,
        outline=0,
        width=max(2, size // 90),
    )
    font = cjk_font(int(size * 0.52))
    if font is not None:
        draw.text((size / 2, size / 2 + size * 0.01), char, font=font, fill=0, anchor="mm")
    else:
        fallback = ImageFont.load_default(size=size * 0.4)
        draw.text((size / 2, size / 2), char[:1], font=fallback, fill=0, anchor="mm")
    # Worn stone: the ink does not take everywhere, and the edges are not quite straight.
    wear = noise(rng, size, size, size / 90) * 0.6 + noise(rng, size, size, size / 18) * 0.4
    ink = np.asarray(seal.filter(ImageFilter.GaussianBlur(size / 500)), dtype=F) / 255.0
    ink *= np.clip((wear - 0.12) * 5, 0, 1) * 0.95
    rgb = paper + (np.asarray(color, F) - paper) * ink[..., None]
    return Image.fromarray(np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8), "RGB")


def payment_qr_card(
    shop_slug: str, shop_name: str, provider: str, *, width: int = 720
) -> Image.Image:
    """A collection-code card in the provider's colour, clearly marked as a demo."""
    color, title = PROVIDERS[provider]
    height = int(width * 1.42)
    card = Image.new("RGB", (width, height), _rgb(color))
    draw = ImageDraw.Draw(card)
    pad = width * 0.08
    white_top = height * 0.2
    draw.rounded_rectangle(
        (pad, white_top, width - pad, height - pad), radius=width * 0.04, fill=(255, 255, 255)
    )
    qr = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(f"weishang-demo-pay:{shop_slug}")
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    side = int(width * 0.62)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    card.paste(code, (int((width - side) / 2), int(white_top + width * 0.16)))
    big = cjk_font(int(width * 0.07))
    small = cjk_font(int(width * 0.045))
    stamp = cjk_font(int(width * 0.075))
    ink = (40, 40, 40)
    if big is not None and small is not None and stamp is not None:
        draw.text((width / 2, height * 0.1), title, font=big, fill=(255, 255, 255), anchor="mm")
        draw.text(
            (width / 2, white_top + width * 0.08), shop_name, font=small, fill=ink, anchor="mm"
        )
        y = white_top + width * 0.16 + side + width * 0.09
        draw.text(
            (width / 2, y), "演示 DEMO · 请勿付款", font=stamp, fill=(200, 30, 30), anchor="mm"
        )
        draw.text(
            (width / 2, y + width * 0.09), "weishang 演示店铺，扫码不会付款",
            font=small, fill=(120, 120, 120), anchor="mm",
        )  # fmt: skip
    else:
        font = ImageFont.load_default(size=width * 0.06)
        y = white_top + width * 0.16 + side + width * 0.09
        draw.text(
            (width / 2, height * 0.1),
            provider.upper(),
            font=font,
            fill=(255, 255, 255),
            anchor="mm",
        )
        draw.text((width / 2, y), "DEMO - DO NOT PAY", font=font, fill=(200, 30, 30), anchor="mm")
    return card
