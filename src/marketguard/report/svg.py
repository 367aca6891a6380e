"""A tiny SVG writer: elements as escaped strings, axis ticks, and the colours shared by every figure.

Reports must open offline and from an e-mail attachment, so figures are inline SVG written by hand: no plotting
library, no script, no font download. Every text and attribute goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
import unicodedata

from marketguard.report.formatting import number

#: Okabe-Ito based palette (colour-blind safe), one colour per artifact kind and entity type.
COLOURS: dict[str, str] = {
    "account": "#1f3b57",
    "store": "#8a8f98",
    "device": "#d55e00",
    "wifi": "#0072b2",
    "ip": "#56b4e9",
    "ip_net": "#a6cee3",
    "id_document": "#cc79a7",
    "phone": "#009e73",
    "email": "#e69f00",
    "bank_account": "#7b3294",
    "site": "#b2182b",
    "party": "#2b8a3e",
    "payee": "#2b8a3e",  # a party of the money trail, in its colour
    "destination": "#2b8a3e",
    "listing": "#e7298a",
    "listing_text": "#e7298a",  # a copied listing, edited
    "price_list": "#e7298a",
    "customer": "#66a61e",
    "office": "#0072b2",  # a place and a purse: in the router's colour
    "network": "#1f3b57",
}
OTHER_COLOUR = "#666666"


def colour(kind: str) -> str:
    """The colour of an artifact kind or entity type (grey for kinds this report does not know)."""
    return COLOURS.get(kind, OTHER_COLOUR)


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = number(value) if isinstance(value, float) else str(value)
        parts.append(f' {name}="{html.escape(text, quote=True)}"')
    return "".join(parts)


def element(tag: str, text: str | None = None, children: str = "", **attrs: object) -> str:
    """``<tag attrs>text children</tag>``; ``class_`` becomes ``class`` and ``font_size`` ``font-size``."""
    inner = (html.escape(text) if text is not None else "") + children
    return f"<{tag}{_attrs(attrs)}>{inner}</{tag}>" if inner else f"<{tag}{_attrs(attrs)}/>"


def tooltip(text: str) -> str:
    """A ``<title>`` child: the browser shows it on hover, no script needed."""
    return element("title", text)


def document(width: float, height: float, body: list[str], label: str) -> str:
    """An inline ``<svg>`` with a viewBox (scales to the page width) and an accessible name.

    No ``xmlns``: inline SVG in HTML does not need it, and the report then holds no URL at all.
    """
    return (
        f'<svg viewBox="0 0 {number(width)} {number(height)}" width="{number(width)}" '
        f'height="{number(height)}" role="img" aria-label="{html.escape(label, quote=True)}" '
        f'class="figure" preserveAspectRatio="xMidYMid meet">' + "".join(body) + "</svg>"
    )


def nice_ticks(low: float, high: float, n_ticks: int = 5) -> list[float]:
    """Round tick values covering [low, high] (steps of 1, 2 or 5 x a power of ten)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(n_ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        if value >= low - step * 1e-9:
            ticks.append(round(value, 10))
        value += step
    return ticks


#: The width budgeted per character, in ems: digits are 0.556 em in Arial and Helvetica and 0.636 em in DejaVu
#: Sans (the widest common fallback, Linux's default); ids and addresses are mostly digits and lower-case
#: letters, so 0.64 em holds in any of them. East Asian glyphs are a full em.
NARROW_EM = 0.64
WIDE_EM = 1.0


def text_width(text: str, font_px: float) -> float:
    """The width budgeted for ``text`` at ``font_px``: generous, so that text placed apart stays apart in any
    font the reader's browser picks."""
    return font_px * sum(WIDE_EM if unicodedata.east_asian_width(c) in "WF" else NARROW_EM for c in text)


def truncate(text: str, limit: int) -> str:
    """Shorten a label for a figure (the full text stays in the tooltip and the tables)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
