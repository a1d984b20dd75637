"""grep's colours: GNU grep's defaults and `GREP_COLORS`, read as GNU grep reads it."""
from __future__ import annotations

# GNU grep's default GREP_COLORS: ms=01;31 mc=01;31 sl= cx= fn=35 ln=32 bn=32 se=36, each as
# SGR + "erase to end of line" (unless `ne`).
COLORS = {"match": b"01;31", "context_match": b"01;31", "selected_line": b"", "context_line": b"",
          "name": b"35", "number": b"32", "offset": b"32", "separator": b"36"}
GREP_COLOR_KEYS = {"ms": ("match",), "mc": ("context_match",), "mt": ("match", "context_match"),
                   "sl": ("selected_line",), "cx": ("context_line",), "fn": ("name",), "ln": ("number",),
                   "bn": ("offset",), "se": ("separator",)}


def grep_colors(setting: str | None, invert: bool = False) -> tuple[dict, bool]:
    """GREP_COLORS as GNU grep reads it: `ms=01;31:mc=01;31:sl=:cx=:fn=35:ln=32:bn=32:se=36`,
    `mt=` for ms and mc, `rv` (swap sl and cx with -v), `ne` (no "erase to end of line");
    unknown or malformed entries are ignored. Returns the colours and whether to erase."""
    colors, erase, reverse = dict(COLORS), True, False
    for entry in (setting or "").split(":"):
        key, has_value, value = entry.partition("=")
        if key in GREP_COLOR_KEYS and has_value and all(c.isdigit() or c == ";" for c in value):
            for kind in GREP_COLOR_KEYS[key]:
                colors[kind] = value.encode("ascii")
        elif key == "ne" and not has_value:
            erase = False
        elif key == "rv" and not has_value:
            reverse = True
    if reverse and invert:
        colors["selected_line"], colors["context_line"] = colors["context_line"], colors["selected_line"]
    return colors, erase


class Painter:
    """SGR sequences around text, in the colours of one search."""

    def __init__(self, colors: tuple[dict, bool] | None) -> None:
        self.colors, erase = colors or (COLORS, True)
        self.sgr = (b"\x1b[", b"m\x1b[K", b"\x1b[m\x1b[K") if erase else (b"\x1b[", b"m", b"\x1b[m")

    def __call__(self, kind: str, text: bytes) -> bytes:
        color = self.colors[kind]
        if not color:
            return text
        start, middle, end = self.sgr
        return start + color + middle + text + end
