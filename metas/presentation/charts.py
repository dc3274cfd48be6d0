"""Charts drawn on the server as inline SVG: no JavaScript, no external service.

`bar_chart()` turns rows of (label, value) into the geometry a template needs; the partial
`templates/metas/_chart_bars.html` draws it. Every chart has a <title> and a <desc> naming each
value, and pages show the same figures in a table next to it, so nothing is only visual.

The drawing is 320 units wide, about a phone's width, so that text inside it keeps a readable
size on a 360 px screen; CSS caps its width on large screens.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Number

WIDTH = 320
LABEL_LINE_HEIGHT = 17
FONT_SIZE = 14  # as in site.css
LABEL_MAX_LINES = 2
BAR_HEIGHT = 15
ROW_GAP = 10
VALUE_TEXT_ROOM = 60  # room kept right of the longest bar for "100 %" or "1.234"


@dataclass(frozen=True)
class Bar:
    """One row of a chart: `value` None means "no figure" (no bar is drawn, `text` says why)."""

    label: str
    value: Number | None
    text: str


def _text_width(text: str) -> float:
    """Roughly how wide `text` is drawn at FONT_SIZE: capitals are wider than small letters,
    and reports often publish level names in capitals."""
    widths = {True: 0.70, False: 0.54}
    return sum(0.3 if c == " " else widths[c.isupper()] for c in text) * FONT_SIZE


def _label_lines(label: str) -> list[str]:
    """`label` wrapped to the drawing's width, on at most LABEL_MAX_LINES lines."""
    lines: list[str] = []
    for word in label.split():
        if lines and _text_width(f"{lines[-1]} {word}") <= WIDTH:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    lines = lines or [""]
    if len(lines) > LABEL_MAX_LINES:
        lines = lines[:LABEL_MAX_LINES]
        last = lines[-1]
        while last and _text_width(last + "…") > WIDTH:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def bar_chart(
    bars: list[Bar], *, maximum, title: str, description: str = "", chart_id: str
) -> dict:
    """The geometry of a horizontal bar chart, for `metas/_chart_bars.html`.

    Each row is its label (wrapped on at most two lines) above a bar whose length is
    `value / maximum` of the drawing, followed by the row's text. `description` comes first in
    the SVG's <desc>, followed by every "label: text" pair.
    """
    maximum = maximum or 0
    bar_room = WIDTH - VALUE_TEXT_ROOM
    rows = []
    y = 0
    for bar in bars:
        lines = _label_lines(bar.label)
        label_y = [y + LABEL_LINE_HEIGHT * (i + 1) - 4 for i in range(len(lines))]
        bar_y = y + LABEL_LINE_HEIGHT * len(lines)
        if bar.value is None or maximum <= 0:
            length = 0
        else:
            share = min(max(float(bar.value) / float(maximum), 0.0), 1.0)
            # A tiny but non-zero value still shows a sliver, so it is not mistaken for zero.
            length = round(max(share * bar_room, 2 if share > 0 else 0), 1)
        rows.append(
            {
                "label": bar.label,
                "label_lines": list(zip(label_y, lines)),
                "bar_y": bar_y,
                "bar_length": length,
                "text": bar.text,
                "text_x": round(length + 6, 1),
                "text_y": bar_y + BAR_HEIGHT - 2,
            }
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    summary = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return {
        "id": chart_id,
        "title": title,
        "description": f"{description} {summary}".strip() if description else summary,
        "width": WIDTH,
        "height": max(y - ROW_GAP, 1),
        "bar_height": BAR_HEIGHT,
        "bar_room": bar_room,
        "rows": rows,
    }
