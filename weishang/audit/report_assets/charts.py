"""The report's six charts as inline SVG strings, drawn from aggregated series only.

Every chart is a ``<svg data-chart="…">`` with a ``viewBox`` (it scales to its column), a
``<title>`` and an ``aria-label`` saying what it shows. Text styles come from the page's
stylesheet (classes ``tick``, ``val``, ``note``); colours are attributes so a chart copied out
of the page keeps them. Inputs are counts and shares, never per-member rows, so a chart is the
same size for a hundred members or ten million.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

from weishang.audit.verdict import percent

W = 480  # viewBox width of every chart

INK, MUTED, GRID = "#1b1f24", "#5b6470", "#e3e6ea"
NAVY, NAVY_LIGHT = "#1f4e79", "#b9cde3"
GOOD, AMBER, BAD, DARK_BAD, GREY = "#2e7d4f", "#c27a12", "#b3261e", "#6e1a16", "#8a929c"

BASES: dict[str, tuple[str, str]] = {  # basis: (reader's name, colour)
    "own_sales": ("Own sales to consumers", GOOD),
    "downline_sales": ("Downline's sales", NAVY),
    "purchase_volume": ("Members' purchases", AMBER),
    "recruitment": ("Recruiting", BAD),
    "fee_share": ("Recruits' fees", DARK_BAD),
    "other": ("Other", GREY),
}


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


SCALES = ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k"))


def axis_format(values: Sequence[float]) -> Callable[[float], str]:
    """One format for all the labels of an axis: 3k, 6k, 12k (never 3,000, 6,000, 12k)."""
    top = max((abs(v) for v in values), default=0)
    unit, suffix = next(((u, s) for limit, u, s in SCALES if top >= limit), (1.0, ""))
    scaled = [v / unit for v in values]
    decimals = next((d for d in range(3) if all(abs(round(v, d) - v) < 1e-9 for v in scaled)), 2)

    def label(value: float) -> str:
        if value == 0:
            return "0"
        sign = "−" if value < 0 else ""
        return f"{sign}{abs(value) / unit:,.{decimals}f}{suffix}"

    return label


def pct(share: float | None, digits: int = 1) -> str:
    """``verdict.percent``, and n/a for no value."""
    return "n/a" if share is None else percent(share, digits, grouped=True)


def capped_levels(per_level: dict[str, int], shown: int = 40) -> dict[str, int]:
    """Members per level for a person to read: the first ``shown`` levels one by one, the
    rest in ranges that grow tenfold (41–100, 101–1,000 ...), so a chain a million levels
    deep is a dozen rows, not a million."""
    out: dict[str, int] = {}
    ranges: dict[tuple[int, int], int] = {}
    for key, count in per_level.items():
        level = int(key) if str(key).isdigit() else 0
        if level <= shown:
            out[str(key)] = count
            continue
        top = 100
        while level > top:
            top *= 10
        low = shown + 1 if top == 100 else top // 10 + 1
        ranges[(low, top)] = ranges.get((low, top), 0) + count
    for (low, top), count in sorted(ranges.items()):
        out[f"{low:,}–{top:,}"] = count
    return out


def money(value: Any, currency: str) -> str:
    if value is None:
        return "n/a"
    amount = float(value)
    sign = "−" if amount < 0 else ""
    return f"{sign}{abs(amount):,.2f} {currency}".rstrip()


def nice_ticks(top: float, count: int = 4, integer: bool = False) -> list[float]:
    """Round tick values from 0 to at least ``top`` (about ``count`` intervals)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(s * power for s in steps if s * power >= raw)
    if integer:
        step = max(1, round(step))
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _svg(chart: str, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg data-chart="{chart}" viewBox="0 0 {W} {height:.0f}" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{esc(label)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, cls: str = "tick", anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{esc(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str = "") -> str:
    tip = f"<title>{esc(title)}</title>" if title else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}">{tip}</rect>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, extra: str = "") -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"{extra}/>'
    )


def empty(chart: str, message: str) -> str:
    return _svg(chart, 56, message, [_text(W / 2, 32, message, "note", "middle")])


def legend(items: Sequence[tuple[str, str, str]]) -> str:
    """HTML legend rows: (colour, name, figures)."""
    rows = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{esc(name)}'
        f'<span class="figs">{esc(figs)}</span></li>'
        for colour, name, figs in items
    )
    return f'<ul class="legend">{rows}</ul>'


# --- members by level -------------------------------------------------------------------------
def levels_chart(per_level: dict[str, int]) -> str:
    """Horizontal bars, level 1 (the roots) on top: a pyramid reads as a pyramid."""

    def first(key: str) -> int:
        text = key.split("–")[0].replace(",", "")
        return int(text) if text.isdigit() else 0

    items = sorted(((str(k), int(v)) for k, v in per_level.items()), key=lambda kv: first(kv[0]))
    if not items:
        return empty("levels", "No member could be placed in the sponsor tree.")
    total, top = sum(v for _, v in items), max(v for _, v in items)
    row = 26 if len(items) <= 12 else max(6, min(26, 440 // len(items)))
    every = 1 if row >= 14 else math.ceil(14 / row)
    label_w, value_w, y0 = 70, 124, 4
    plot_w = W - label_w - 8 - value_w
    body = []
    for i, (level, count) in enumerate(items):
        y = y0 + i * row
        width = plot_w * count / top if top else 0
        tip = f"Level {level}: {count:,} members ({pct(count / total)})"
        body.append(_rect(label_w + 8, y + row * 0.14, max(width, 1 if count else 0), row * 0.72,
                          NAVY, tip))  # fmt: skip
        if i % every == 0 or i == len(items) - 1:
            mid = y + row / 2 + 4
            body.append(_text(label_w, mid, f"Level {level}", "tick", "end"))
            if row >= 14:
                body.append(
                    _text(label_w + 14 + width, mid, f"{count:,} ({pct(count / total)})", "val")
                )
    body.append(_line(label_w + 8, y0, label_w + 8, y0 + len(items) * row, MUTED))
    label = f"Members by level: {total:,} members placed"
    return _svg("levels", y0 + len(items) * row + 6, label, body)


# --- growth over time -------------------------------------------------------------------------
def _months(keys: list[str]) -> list[str]:
    """Every month from the first to the last key, so gaps show as empty months."""
    try:
        y, m = (int(p) for p in min(keys).split("-"))
        last = tuple(int(p) for p in max(keys).split("-"))
    except ValueError:  # not YYYY-MM: show the keys as they are
        return sorted(keys)
    months: list[str] = []
    while (y, m) <= last and len(months) < 1200:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def growth_chart(per_month: dict[str, int]) -> str:
    if not per_month:
        return empty("growth", "No joining dates to show.")
    months = _months(list(per_month))
    counts = [int(per_month.get(m, 0)) for m in months]
    left, right, top_pad, bottom, height = 50, 10, 10, 30, 230
    plot_w, plot_h = W - left - right, height - top_pad - bottom
    ticks = nice_ticks(max(counts), integer=True)
    y_of = lambda v: top_pad + plot_h * (1 - v / ticks[-1])  # noqa: E731
    tick_label = axis_format(ticks)
    body = []
    for t in ticks:
        body.append(_line(left, y_of(t), W - right, y_of(t), GRID))
        body.append(_text(left - 6, y_of(t) + 4, tick_label(t), "tick", "end"))
    slot = plot_w / len(months)
    bar = min(56.0, slot * 0.78)
    every = max(1, math.ceil(len(months) * 66 / plot_w))
    for i, (month, count) in enumerate(zip(months, counts, strict=True)):
        x = left + i * slot + (slot - bar) / 2
        body.append(_rect(x, y_of(count), bar, y_of(0) - y_of(count), NAVY,
                          f"{month}: {count:,} members joined"))  # fmt: skip
        centre = left + i * slot + slot / 2
        if i % every == 0 and centre + 24 <= W:  # a label cut by the edge is left out
            body.append(_text(centre, height - 10, month, "tick", "middle"))
    body.append(_line(left, y_of(0), W - right, y_of(0), MUTED))
    label = f"Members joined per month, {months[0]} to {months[-1]}"
    return _svg("growth", height, label, body)


# --- where the money came from ----------------------------------------------------------------
def _hbar_rows(
    chart: str,
    rows: list[tuple[str, list[tuple[float, str, str, str]]]],
    scale: float,
    ticks: list[float],
    tick_label: Any,
    label: str,
) -> str:
    """Horizontal bars of stacked segments against a shared axis.

    A segment is (value, colour, tooltip, label written inside the bar when it fits).
    """
    label_w, right, row, top_pad = 102, 20, 44, 6
    plot_w = W - label_w - 8 - right
    x0 = label_w + 8
    body = []
    axis_y = top_pad + len(rows) * row + 2
    for t in ticks:
        x = x0 + plot_w * t / scale
        body.append(_line(x, top_pad, x, axis_y, GRID))
        body.append(_text(x, axis_y + 14, tick_label(t), "tick", "middle"))
    for i, (name, segments) in enumerate(rows):
        y = top_pad + i * row + 8
        body.append(_text(label_w, y + 18, name, "tick", "end"))
        x = x0
        for value, colour, tip, inside in segments:
            width = plot_w * value / scale if scale else 0
            body.append(_rect(x, y, width, 26, colour, tip))
            if inside and width >= 8 * len(inside) + 6:
                body.append(_text(x + width / 2, y + 17, inside, "inbar", "middle"))
            x += width
    body.append(_line(x0, top_pad, x0, axis_y, MUTED))
    return _svg(chart, axis_y + 22, label, body)


def money_chart(consumers: float, purchases: float, fees: float, rewards: float) -> str:
    money_in = consumers + purchases + fees
    if money_in <= 0 and rewards <= 0:
        return empty("money_sources", "No sales, purchases or fees were recorded.")
    ticks = nice_ticks(max(money_in, rewards))

    def part(value: float) -> str:
        return pct(value / money_in, 0) if money_in else ""

    segments = [
        (consumers, GOOD, f"Sales to outside consumers: {consumers:,.2f}", part(consumers)),
        (purchases, AMBER, f"Purchases by members: {purchases:,.2f}", part(purchases)),
        (fees, BAD, f"Fees paid by members: {fees:,.2f}", part(fees)),
    ]
    rows = [
        ("Money in", segments),
        ("Rewards paid", [(rewards, NAVY, f"Rewards paid to members: {rewards:,.2f}", "")]),
    ]
    share = consumers / money_in if money_in else None
    label = f"Where the money came from: {pct(share)} from outside consumers"
    return _hbar_rows("money_sources", rows, ticks[-1], ticks, axis_format(ticks), label)


# --- reward mix -------------------------------------------------------------------------------
def basis_order(*mixes: dict[str, float | None]) -> list[str]:
    seen = {b for mix in mixes for b in mix}
    return [b for b in BASES if b in seen] + sorted(seen - set(BASES))


def basis_style(basis: str) -> tuple[str, str]:
    return BASES.get(basis, (basis, "#b0b6bd"))


def reward_mix_chart(declared: dict[str, float | None], behaviour: dict[str, float | None]) -> str:
    if not declared and not behaviour:
        return empty("reward_mix", "No rewards were paid.")
    order = basis_order(declared, behaviour)

    def segments(mix: dict[str, float | None], how: str) -> list[tuple[float, str, str, str]]:
        out = []
        for basis in order:
            name, colour = basis_style(basis)
            share = mix.get(basis) or 0.0
            out.append((share, colour, f"{name} ({how}): {pct(share)}", pct(share, 0)))
        return out

    rows = [
        ("As declared", segments(declared, "declared")),
        ("By behaviour", segments(behaviour, "by behaviour")),
    ]
    ticks = [0, 0.25, 0.5, 0.75, 1.0]
    label = "Reward mix: the basis the operator declared beside what triggered each reward"
    return _hbar_rows("reward_mix", rows, 1.0, ticks, lambda t: pct(t, 0), label)


# --- net cash ---------------------------------------------------------------------------------
def net_cash_chart(hist: dict[str, Any]) -> str:
    """Members by net cash, losses in red; the zero line splits who lost money from who did not."""
    edges, counts = [float(e) for e in hist["edges"]], [int(c) for c in hist["counts"]]
    below, above = int(hist.get("below") or 0), int(hist.get("above") or 0)
    left, right, top_pad, bottom, height = 50, 10, 44, 34, 264
    plot_w, plot_h = W - left - right, height - top_pad - bottom
    slots = len(counts) + (1.5 if below else 0) + (1.5 if above else 0)
    slot = plot_w / slots
    start = left + (1.5 * slot if below else 0)
    ticks = nice_ticks(max([*counts, below, above, 1]), integer=True)
    y_of = lambda v: top_pad + plot_h * (1 - v / ticks[-1])  # noqa: E731
    count_label, money_label = axis_format(ticks), axis_format(edges)
    body = []
    for t in ticks:
        body.append(_line(left, y_of(t), W - right, y_of(t), GRID))
        body.append(_text(left - 6, y_of(t) + 4, count_label(t), "tick", "end"))
    for i, count in enumerate(counts):
        lo, hi = edges[i], edges[i + 1]
        colour = BAD if hi <= 0 else NAVY
        tip = f"{count:,} members with net cash from {lo:,.2f} to under {hi:,.2f}"
        body.append(_rect(start + i * slot + 0.5, y_of(count), slot - 1, y_of(0) - y_of(count),
                          colour, tip))  # fmt: skip
    if below:
        body.append(_rect(left, y_of(below), slot, y_of(0) - y_of(below), "#d98c86",
                          f"{below:,} members with net cash under {edges[0]:,.2f}"))  # fmt: skip
        body.append(_text(left, y_of(0) + 31, f"< {money_label(edges[0])}", "tick", "start"))
    if above:
        x = start + len(counts) * slot + 0.5 * slot
        body.append(_rect(x, y_of(above), slot, y_of(0) - y_of(above), NAVY_LIGHT,
                          f"{above:,} members with net cash of {edges[-1]:,.2f} or more"))  # fmt: skip
        body.append(_text(x + slot, y_of(0) + 31, f"≥ {money_label(edges[-1])}", "tick", "end"))
    every = max(1, math.ceil(len(edges) * 44 / (len(counts) * slot)))
    zero = edges.index(0.0) if 0.0 in edges else 0
    for k, edge in enumerate(edges):
        crowded = (k == 0 and below) or (k == len(edges) - 1 and above)  # the end bar says it
        if (k - zero) % every == 0 and not crowded:
            x = start + k * slot
            body.append(_line(x, y_of(0), x, y_of(0) + 4, MUTED))
            body.append(_text(x, y_of(0) + 16, money_label(edge), "tick", "middle"))
    body.append(_line(left, y_of(0), W - right, y_of(0), MUTED))
    x0 = start + zero * slot
    body.append(_line(x0, top_pad - 32, x0, y_of(0), INK, ' stroke-dasharray="3 3"'))
    lost = float(hist.get("lost_share") or 0)
    note = f"{pct(lost)} lost money" if lost else "No member lost money"
    room = x0 - left  # the label sits over the red bars when it fits there
    if lost and room >= 7.6 * len(note):
        body.append(_text(x0 - 6, top_pad - 14, note, "note bad", "end"))
    elif lost and room >= 7.6 * len("lost money"):
        body.append(_text(x0 - 6, top_pad - 28, pct(lost), "note bad", "end"))
        body.append(_text(x0 - 6, top_pad - 12, "lost money", "note bad", "end"))
    else:
        cls = "note bad" if lost else "note good"
        body.append(_text(x0 + 6, top_pad - 14, f"← {note}" if lost else note, cls, "start"))
    label = f"Members' net cash: {pct(lost)} lost money"
    return _svg("net_cash", height, label, body)


# --- Lorenz curve -----------------------------------------------------------------------------
def lorenz_chart(lorenz: dict[str, Any], gini: float | None, top1: float | None) -> str:
    xs, ys = [float(x) for x in lorenz["population"]], [float(y) for y in lorenz["rewards"]]
    left, top_pad, side = 60, 12, 236
    height = top_pad + side + 44
    px = lambda v: left + side * v  # noqa: E731
    py = lambda v: top_pad + side * (1 - v)  # noqa: E731
    body = []
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(_line(px(0), py(t), px(1), py(t), GRID))
        body.append(_line(px(t), py(0), px(t), py(1), GRID))
        body.append(_text(px(0) - 6, py(t) + 4, pct(t, 0), "tick", "end"))
        body.append(_text(px(t), py(0) + 16, pct(t, 0), "tick", "middle"))
    curve = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys, strict=True))
    body.append(f'<polygon points="{px(0):.1f},{py(0):.1f} {curve}" fill="{NAVY_LIGHT}" '
                'fill-opacity="0.55"/>')  # fmt: skip
    body.append(_line(px(0), py(0), px(1), py(1), MUTED, ' stroke-dasharray="4 3"'))
    body.append(f'<polyline points="{curve}" fill="none" stroke="{NAVY}" stroke-width="2.2"/>')
    body.append(_line(px(0), py(0), px(1), py(0), MUTED))
    body.append(_text(px(0.5), height - 6, "Members, least rewarded first", "tick", "middle"))
    body.append(
        f'<text class="tick" text-anchor="middle" transform="translate(12 {py(0.5):.1f}) '
        f'rotate(-90)">Cumulative share of rewards</text>'
    )
    note_x = px(1) + 14
    body.append(_text(note_x, py(0.9), "Gini", "tick"))
    body.append(_text(note_x, py(0.9) + 30, "n/a" if gini is None else f"{gini:.2f}", "big"))
    body.append(_text(note_x, py(0.9) + 52, "0: equal shares", "tick"))
    body.append(_text(note_x, py(0.9) + 68, "1: one takes all", "tick"))
    if top1 is not None:
        body.append(_text(note_x, py(0.45), "Top 1% took", "tick"))
        body.append(_text(note_x, py(0.45) + 17, f"{pct(top1)} of rewards", "tick"))
    body.append(_line(note_x, py(0.12), note_x + 22, py(0.12), MUTED, ' stroke-dasharray="4 3"'))
    body.append(_text(note_x + 28, py(0.12) + 4, "equal shares", "tick"))
    body.append(_line(note_x, py(0.04), note_x + 22, py(0.04), NAVY, ' stroke-width="2.2"'))
    body.append(_text(note_x + 28, py(0.04) + 4, "this channel", "tick"))
    label = "Lorenz curve of rewards" + ("" if gini is None else f", Gini {gini:.2f}")
    return _svg("lorenz", height, label, body)
