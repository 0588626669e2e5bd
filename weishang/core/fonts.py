"""A Chinese font for posters, labels and logos, if the machine has one.

Nothing is downloaded: this looks for the CJK fonts common Linux, macOS and Windows installs
carry (``./dev install`` puts Debian's fonts-noto-cjk in place), and every caller has a plain
fallback for a machine without one.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageDraw, ImageFont

CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/Songti.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@functools.cache
def _font_path() -> str | None:
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    for folder in ("/usr/share/fonts", "/usr/local/share/fonts"):
        root = Path(folder)
        if root.is_dir():
            for path in sorted(root.rglob("*CJK*")):
                if path.suffix.lower() in {".ttc", ".otf", ".ttf"}:
                    return str(path)
    return None


@functools.cache
def cjk_font(size: int) -> ImageFont.FreeTypeFont | None:
    path = _font_path()
    if path is None or size < 4:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return None


class Fonts:
    """Type for posters and certificates: the CJK font at each size, or Pillow's own font as the fallback."""

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


def wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int, lines: int) -> list[str]:
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
