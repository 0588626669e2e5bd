"""A Chinese font for posters, labels and logos, if the machine has one.

Nothing is downloaded: this looks for the CJK fonts common Linux, macOS and Windows installs
carry (``./dev install`` puts Debian's fonts-noto-cjk in place), and every caller has a plain
fallback for a machine without one.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

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
