"""Product photos for the demo shops, painted from code: seeded, no downloads, no copied images.

Each product ("good") has two or three shots a small producer would take with a phone and a
window: from above on the kitchen table, close up, and standing beside its packet. A shot is a
function of a canvas; ``product_photo`` paints one at any size (1200 px for the demo, small
for tests) and ``photo_cached`` keeps the JPEG in a folder keyed by ``PHOTO_VERSION`` so
``weishang demo`` paints each photo once per machine.
"""

from __future__ import annotations

import hashlib
import io
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from . import props
from .paint import Canvas, Color, finish
from .produce import (
    dried_tofu,
    ellipsoid,
    fresh_leaf,
    jujube,
    jujube_pile,
    jujube_slice,
    sticks,
    tea_heap,
    tofu_block,
    tofu_puff,
)

# Change when any painter changes, so cached photos are painted again.
PHOTO_VERSION = "5"
PHOTO_SIZE = 1200
PAINT_SCALE = 0.75

Shot = Callable[[Canvas], Image.Image]

ANJI_GREEN: Color = (0.5, 0.62, 0.24)
ROLLED_GREEN: Color = (0.2, 0.32, 0.1)
BLACK_TEA: Color = (0.2, 0.1, 0.05)
TEA_LIQUOR: Color = (0.78, 0.68, 0.22)
RED_LIQUOR: Color = (0.62, 0.22, 0.06)
SOY_MILK: Color = (0.96, 0.92, 0.8)
HONEY: Color = (0.82, 0.46, 0.08)


# --- What fills a bowl, a basket or the front of a shot ------------------------------------------


def fill(cv: Canvas, good: str, cx: float, cy: float, r: float, *, squash: float = 0.95) -> None:
    """Heap ``good`` in a disc of radius ``r`` (design pixels, already scaled by the caller)."""
    k = cv.k
    rng = cv.rng
    # A thumbnail-sized test photo needs no thousand tea leaves: thin the heap below 600 px.
    detail = min(1.0, 2.0 * k)
    if good in {"junzao", "huizao"}:
        size = 64 if good == "junzao" else 46
        count = min(int((r / (size * k)) ** 2 * 3.4 * detail) + 3, 64)
        jujube_pile(cv, cx, cy, r, count, size, squash=squash)
    elif good == "zaopian":
        for _ in range(int((r / (40 * k)) ** 2 * 1.3) + 4):
            rr, t = r * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
            jujube_slice(
                cv, cx + rr * math.cos(t), cy + rr * math.sin(t) * squash,
                cv.px(40) * rng.uniform(0.8, 1.15), rng.uniform(0, math.pi), rng.uniform(0.7, 1.0),
            )  # fmt: skip
    elif good in {"anji", "green", "black"}:
        color, length, curl = {
            "anji": (ANJI_GREEN, 34, 0.0),
            "green": (ROLLED_GREEN, 16, 0.7),
            "black": (BLACK_TEA, 22, 0.25),
        }[good]
        count = int((r / (length * k)) ** 2 * (5.5 if curl < 0.5 else 4.5) * detail) + 12
        tea_heap(cv, cx, cy, r, min(count, 800), length, color, curl=curl, squash=squash)
    elif good == "soybean":
        for _ in range(int((r / (20 * k)) ** 2 * 1.6) + 5):
            rr, t = r * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
            s = cv.px(20) * rng.uniform(0.9, 1.1)
            ellipsoid(
                cv, cx + rr * math.cos(t), cy + rr * math.sin(t) * squash, s, s * 0.85,
                rng.uniform(0, math.pi), (0.96, 0.84, 0.55), gloss=0.4, shine=30,
                lift=s * 0.3, stem=(0.55, 0.42, 0.2),
            )  # fmt: skip
    elif good == "youdoufu":
        for _ in range(int((r / (90 * k)) ** 2 * 1.8) + 3):
            rr, t = r * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
            tofu_puff(
                cv, cx + rr * math.cos(t), cy + rr * math.sin(t) * squash,
                cv.px(112) * rng.uniform(0.85, 1.1), rng.uniform(-30, 30),
            )  # fmt: skip
    else:
        raise ValueError(good)


def scatter(cv: Canvas, good: str, x: float, y: float, n: int) -> None:
    """A few loose pieces beside the main subject, as if they rolled out of the bowl."""
    k, rng = cv.k, cv.rng
    for _ in range(n):
        px, py = x + rng.normal(0, 55 * k), y + rng.normal(0, 40 * k)
        if good in {"junzao", "huizao"}:
            jujube(cv, px, py, cv.px(64 if good == "junzao" else 46), rng.uniform(0, math.pi))
        elif good == "zaopian":
            jujube_slice(cv, px, py, cv.px(40), rng.uniform(0, 3), rng.uniform(0.75, 1))
        elif good in {"anji", "green", "black"}:
            fill(cv, good, px, py, cv.px(18))
        else:
            fill(cv, good, px, py, cv.px(14))


def leaves(
    cv: Canvas, x: float, y: float, n: int, *, length: float = 95, tea: bool = False
) -> None:
    rng = cv.rng
    color: Color = (0.22, 0.46, 0.14) if tea else (0.24, 0.42, 0.12)
    base = rng.uniform(0, 2 * math.pi)
    for i in range(n):
        a = base + i * 0.9 + rng.normal(0, 0.2)
        d = cv.px(length) * 0.8
        fresh_leaf(
            cv, x + d * math.cos(a), y + d * math.sin(a), cv.px(length) * rng.uniform(0.8, 1.1),
            a, color,
        )  # fmt: skip


# --- Shot templates ---------------------------------------------------------------------------


def top_shot(
    good: str,
    *,
    surface: str,
    container: str,
    cloth: Color | None = None,
    leaf: int = 0,
    loose: int = 5,
    tea_leaf: bool = False,
) -> Shot:
    """From above: the goods in a basket, a bowl or on a board, props around them."""

    def shot(cv: Canvas) -> Image.Image:
        k, rng = cv.k, cv.rng
        if surface == "linen":
            props.linen(cv)
        else:
            props.table(cv, style=surface)
        cx, cy = cv.w * rng.uniform(0.47, 0.56), cv.h * rng.uniform(0.45, 0.52)
        if cloth is not None:
            props.cloth(
                cv, cv.w * 0.22, cv.h * 0.78, 540 * k, 430 * k, rng.uniform(-25, 25), color=cloth,
                pattern="indigo" if cloth[2] > cloth[0] else "stripe",
            )  # fmt: skip
        if container == "basket":
            props.basket(cv, cx, cy, 420 * k)
            fill(cv, good, cx, cy, 300 * k)
        elif container == "bowl":
            props.bowl(cv, cx, cy, 360 * k, band=(0.16, 0.25, 0.5) if rng.uniform() < 0.6 else None)
            fill(cv, good, cx, cy, 250 * k)
        elif container == "board":
            props.board(cv, cx, cy, 860 * k, 600 * k, rng.uniform(-8, 8))
            fill(cv, good, cx, cy - 20 * k, 250 * k, squash=0.7)
        else:
            fill(cv, good, cx, cy, 330 * k)
        if leaf:
            leaves(cv, cv.w * 0.2, cv.h * 0.2, leaf, tea=tea_leaf)
        if loose:
            scatter(cv, good, cv.w * 0.83, cv.h * 0.85, loose)
        return finish(cv, light=(0.25, 0.2), vignette=0.4)

    return shot


def tofu_board_shot(kind: str, *, surface: str, angle_spread: float = 6) -> Shot:
    """Tofu cut in blocks on a board (or on stone), from above."""

    def shot(cv: Canvas) -> Image.Image:
        k, rng = cv.k, cv.rng
        props.table(cv, style=surface)
        cx, cy = cv.w * 0.5, cv.h * 0.5
        if surface != "slate":
            props.cloth(cv, cv.w * 0.86, cv.h * 0.2, 420 * k, 360 * k, 15, color=(0.16, 0.24, 0.46))
        props.board(cv, cx, cy, 900 * k, 640 * k, rng.uniform(-5, 5))
        if kind == "laodoufu":
            # One whole block, and one cut into cubes for the pot.
            tofu_block(cv, cx - 170 * k, cy - 20 * k, 380 * k, 330 * k, rng.uniform(-4, 4))
            for row in range(3):
                for col in range(2):
                    tofu_block(
                        cv, cx + (120 + col * 135) * k + rng.normal(0, 5) * k,
                        cy + (row - 1.1) * 140 * k + rng.normal(0, 5) * k, 112 * k, 100 * k,
                        rng.uniform(-angle_spread, angle_spread),
                    )  # fmt: skip
        elif kind == "doufugan":
            for row in range(3):
                for col in range(4):
                    dried_tofu(
                        cv, cx + (col - 1.5) * 175 * k + rng.normal(0, 6) * k,
                        cy + (row - 1) * 165 * k + rng.normal(0, 6) * k, 150 * k,
                        rng.uniform(-6, 6),
                    )  # fmt: skip
        elif kind == "nendoufu":
            tofu_block(cv, cx, cy, 420 * k, 340 * k, 3, silken=True)
        leaves(cv, cv.w * 0.12, cv.h * 0.88, 2, length=70)
        return finish(cv, light=(0.3, 0.25), vignette=0.38)

    return shot


def macro_shot(good: str, *, surface: str) -> Shot:
    """Close up: the goods fill the frame, the far edge melting out of focus."""

    def shot(cv: Canvas) -> Image.Image:
        k = cv.k
        if surface == "linen":
            props.linen(cv)
        else:
            props.table(cv, style=surface)
        if good in {"laodoufu", "nendoufu"}:
            tofu_block(cv, cv.w * 0.46, cv.h * 0.5, 760 * k, 560 * k, -4, silken=good == "nendoufu")
            leaves(cv, cv.w * 0.86, cv.h * 0.86, 2, length=80)
        elif good == "doufugan":
            for i in range(7):
                dried_tofu(cv, cv.w * (0.2 + 0.11 * i), cv.h * (0.3 + 0.07 * i), 330 * k, 8 - 3 * i)
        elif good == "fuzhu":
            sticks(
                cv,
                cv.w * 0.5,
                cv.h * 0.52,
                9,
                700 * k,
                50 * k,
                (0.9, 0.74, 0.42),
                angle=-0.5,
                spread=340 * k,
                wrinkle=0.3,
                gloss=0.5,
            )
        elif good == "sungan":
            sticks(
                cv,
                cv.w * 0.5,
                cv.h * 0.5,
                8,
                600 * k,
                62 * k,
                (0.78, 0.62, 0.36),
                angle=0.35,
                spread=330 * k,
                wrinkle=0.2,
                gloss=0.15,
                height=0.3,
            )
        else:
            big = {"junzao": 1.9, "huizao": 2.2, "zaopian": 2.0}.get(good, 1.4)
            sub = Canvas(cv.w, cv.h, seed=int(cv.rng.integers(1 << 30)), design=1200 / big)
            sub.rgb[:] = cv.rgb
            fill(sub, good, cv.w * 0.5, cv.h * 0.55, cv.w * 0.62)
            cv.rgb = sub.rgb
        return finish(cv, light=(0.35, 0.3), vignette=0.3, depth=(0.05, 0.45, 7))

    return shot


def side_shot(
    good: str,
    *,
    hero: str,
    surface: str,
    wall: Color,
    text: str = "",
    color: Color = (0.72, 0.56, 0.36),
    ink: Color = (0.45, 0.1, 0.08),
    sub: str = "",
) -> Shot:
    """At table height: a packet, tin, jar or glass standing, the goods heaped in front."""

    def shot(cv: Canvas) -> Image.Image:
        k, rng = cv.k, cv.rng
        props.backdrop(cv, horizon=0.46, wall=wall, style=surface)
        hx = cv.w * rng.uniform(0.38, 0.46)
        base = cv.h * 0.74
        if hero in {"pouch", "tin", "box"}:
            w, h = {"pouch": (400, 620), "tin": (360, 520), "box": (560, 430)}[hero]
            props.package(
                cv, hx, base, w * k, h * k, color=color, text=text, ink=ink, kind=hero, sub=sub
            )
            if hero == "box":
                props.package(
                    cv,
                    hx + 360 * k,
                    base + 40 * k,
                    200 * k,
                    300 * k,
                    color=(0.16, 0.3, 0.2),
                    text=text[:2],
                    ink=(0.85, 0.7, 0.35),
                    kind="tin",
                )
        elif hero == "jar":
            props.jar(cv, hx, base, 380 * k, 480 * k, honey=HONEY, label=text)
        elif hero == "glass":
            liquid = {"black": RED_LIQUOR, "soybean": SOY_MILK}.get(good, TEA_LIQUOR)
            clarity = 0.0 if good == "soybean" else 0.55
            props.glass(
                cv, hx, base, 300 * k, 440 * k, liquid=liquid, level=0.78, clarity=clarity,
                leaves=None if good in {"soybean", "black"} else (0.42, 0.58, 0.2),
            )  # fmt: skip
        if good in {"junzao", "huizao", "zaopian", "anji", "green", "black", "soybean"}:
            fill(cv, good, cv.w * 0.72, cv.h * 0.87, 230 * k, squash=0.4)
            scatter(cv, good, cv.w * 0.24, cv.h * 0.9, 4)
        if good in {"anji", "green"}:
            leaves(cv, cv.w * 0.14, cv.h * 0.8, 2, length=80, tea=True)
        elif good in {"junzao", "huizao"}:
            leaves(cv, cv.w * 0.88, cv.h * 0.68, 2, length=70)
        return finish(cv, light=(0.3, 0.15), vignette=0.35)

    return shot


def box_top_shot(good: str) -> Shot:
    """A gift box opened from above: a red tray of jujubes next to its lid."""

    def shot(cv: Canvas) -> Image.Image:
        k = cv.k
        props.table(cv, style="walnut")
        props.package(
            cv,
            cv.w * 0.8,
            cv.h * 0.56,
            300 * k,
            760 * k,
            color=(0.62, 0.08, 0.07),
            text="红枣礼盒",
            ink=(0.9, 0.74, 0.38),
            kind="box",
        )
        props.board(cv, cv.w * 0.38, cv.h * 0.5, 640 * k, 800 * k, 0)
        fill(cv, good, cv.w * 0.38, cv.h * 0.47, 230 * k, squash=1.15)
        leaves(cv, cv.w * 0.12, cv.h * 0.9, 2, length=75)
        return finish(cv, light=(0.3, 0.25), vignette=0.42)

    return shot


# --- Which shots each product has ------------------------------------------------------------

SHOTS: dict[str, list[Shot]] = {
    # The jujube farm
    "junzao": [
        top_shot("junzao", surface="linen", container="basket", cloth=(0.16, 0.24, 0.46), leaf=2),
        macro_shot("junzao", surface="linen"),
        side_shot("junzao", hero="pouch", surface="oak", wall=(0.86, 0.8, 0.7), text="若羌骏枣", sub="新疆若羌 · 一级"),
    ],
    "huizao": [
        top_shot("huizao", surface="walnut", container="bowl", leaf=2, loose=6),
        side_shot("huizao", hero="pouch", surface="walnut", wall=(0.8, 0.74, 0.66), text="若羌灰枣", color=(0.8, 0.66, 0.46)),
    ],
    "zaopian": [
        top_shot("zaopian", surface="oak", container="bowl", cloth=(0.7, 0.12, 0.1), loose=6),
        macro_shot("zaopian", surface="linen"),
    ],
    "fengmi": [
        side_shot("junzao", hero="jar", surface="oak", wall=(0.88, 0.82, 0.7), text="枣花蜜"),
        side_shot("huizao", hero="jar", surface="walnut", wall=(0.74, 0.68, 0.6), text="枣花蜜"),
    ],
    "lihe": [
        box_top_shot("junzao"),
        side_shot("junzao", hero="box", surface="walnut", wall=(0.78, 0.7, 0.6), text="红枣礼盒", color=(0.62, 0.08, 0.07), ink=(0.9, 0.74, 0.38)),
    ],
    # The tofu workshop
    "laodoufu": [
        tofu_board_shot("laodoufu", surface="slate"),
        macro_shot("laodoufu", surface="oak"),
    ],
    "nendoufu": [
        tofu_board_shot("nendoufu", surface="walnut"),
        macro_shot("nendoufu", surface="slate"),
    ],
    "doufugan": [
        tofu_board_shot("doufugan", surface="slate"),
        macro_shot("doufugan", surface="linen"),
    ],
    "youdoufu": [
        top_shot("youdoufu", surface="linen", container="basket", cloth=(0.7, 0.12, 0.1), loose=0),
        top_shot("youdoufu", surface="slate", container="bowl", loose=0, leaf=2),
    ],
    "fuzhu": [
        macro_shot("fuzhu", surface="bamboo"),
        macro_shot("fuzhu", surface="walnut"),
    ],
    "doujiang": [
        side_shot("soybean", hero="glass", surface="oak", wall=(0.84, 0.8, 0.72)),
        top_shot("soybean", surface="walnut", container="bowl", loose=8),
    ],
    # The tea garden
    "anji-tejia": [
        side_shot("anji", hero="tin", surface="bamboo", wall=(0.8, 0.82, 0.74), text="安吉白茶", color=(0.2, 0.36, 0.24), ink=(0.92, 0.84, 0.6), sub="明前特级"),
        top_shot("anji", surface="bamboo", container="none", leaf=3, tea_leaf=True, loose=0),
        side_shot("anji", hero="glass", surface="slate", wall=(0.7, 0.74, 0.7)),
    ],
    "anji-yiji": [
        side_shot("anji", hero="pouch", surface="oak", wall=(0.85, 0.84, 0.76), text="安吉白茶", ink=(0.22, 0.38, 0.2), sub="雨前一级"),
        top_shot("anji", surface="slate", container="bowl", leaf=2, tea_leaf=True, loose=0),
    ],
    "hongcha": [
        top_shot("black", surface="slate", container="bowl", loose=0),
        side_shot("black", hero="glass", surface="walnut", wall=(0.66, 0.56, 0.46)),
    ],
    "lvcha": [
        top_shot("green", surface="bamboo", container="bowl", leaf=2, tea_leaf=True, loose=0),
        side_shot("green", hero="glass", surface="oak", wall=(0.82, 0.84, 0.78)),
    ],
    "chali": [
        side_shot("anji", hero="box", surface="walnut", wall=(0.74, 0.7, 0.62), text="安吉白茶", color=(0.18, 0.3, 0.22), ink=(0.9, 0.78, 0.45)),
        side_shot("anji", hero="tin", surface="slate", wall=(0.62, 0.6, 0.54), text="明前白茶", color=(0.18, 0.3, 0.22), ink=(0.9, 0.78, 0.45), sub="礼盒装"),
    ],
    "sungan": [
        macro_shot("sungan", surface="oak"),
        macro_shot("sungan", surface="bamboo"),
    ],
}  # fmt: skip


def product_photo(good: str, shot: int, *, size: int = PHOTO_SIZE) -> Image.Image:
    """Paint shot number ``shot`` of ``good`` as a ``size``-pixel square RGB image."""
    seed = int.from_bytes(hashlib.sha256(f"{good}/{shot}".encode()).digest()[:4], "big")
    # Painted at three quarters of the size and enlarged: a phone photo is never pin-sharp
    # anyway, and it halves the painting time.
    paint = max(64, round(size * PAINT_SCALE))
    image = SHOTS[good][shot](Canvas(paint, paint, seed=seed))
    if paint != size:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image


def photo_cached(good: str, shot: int, cache_dir: Path | None, *, size: int = PHOTO_SIZE) -> bytes:
    """The shot as JPEG bytes, from ``cache_dir`` when it was painted before."""
    path = None
    if cache_dir is not None:
        path = cache_dir / f"v{PHOTO_VERSION}" / f"{good}-{shot}-{size}.jpg"
        if path.is_file():
            return path.read_bytes()
    buffer = io.BytesIO()
    product_photo(good, shot, size=size).save(buffer, "JPEG", quality=92)
    data = buffer.getvalue()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return data


def _paint(job: tuple[str, int, int, str | None]) -> bytes:
    good, shot, size, cache_dir = job
    return photo_cached(good, shot, Path(cache_dir) if cache_dir else None, size=size)


PhotoSource = Callable[[str, int], bytes]


@contextmanager
def photos_painting(
    shots: Iterable[tuple[str, int]], *, size: int, cache_dir: Path | None
) -> Iterator[PhotoSource]:
    """Start painting every shot on every core; yield a function that waits for one shot."""
    cache = str(cache_dir) if cache_dir else None
    jobs = {(good, shot): (good, shot, size, cache) for good, shot in shots}
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    if workers <= 1 or size < 400:  # test-sized photos paint faster than a process starts
        yield lambda good, shot: _paint(jobs[(good, shot)])
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {key: pool.submit(_paint, job) for key, job in jobs.items()}
        yield lambda good, shot: futures[(good, shot)].result()
