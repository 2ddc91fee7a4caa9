"""Architecture diagrams and receptive-field pictures as self-contained SVG, in pure Python.

``architecture(network, report)`` draws the classic picture: every feature map a 3-D box, C (channels) as its
thickness and H×W as its face and depth, labelled ``C@H×W`` above and with the layer that made it and its
parameters below; the kernel as a window on the box it reads; a flatten as a funnel into a bar; linear
layers as bars. Branches are lanes that join (:mod:`convcalc.render.diagram` finds them), a residual skip
is an arc over its block, a gate's side path runs below; a U-Net is drawn as its paper draws it, a row per
resolution level (encoders down the left, the bottleneck at the bottom, decoders up the right, each level's
copy-and-crop bridge across its row). A merge is labelled by what it does (concat, add, subtract, × for a
gate). Long networks wrap onto rows; runs of identical blocks are drawn once with ×N.

``receptive_field(network, report, node)`` draws the input grid with the receptive field of one output
element of ``node`` shaded, and the field of each earlier layer nested inside it.

Output is deterministic (same input, same bytes): coordinates are rounded to 0.1 px, nothing depends on
time or dict order. Text widths come from :data:`CHAR_WIDTHS` — DejaVu Sans (regular or bold, whichever is
wider), wider than Arial, Helvetica and Liberation Sans — so labels laid out apart stay apart in any of the
fonts named in :data:`FONT`. The viewBox is computed from everything drawn, so nothing is clipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from xml.sax.saxutils import escape

from ..report import Report
from . import diagram as dg

FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"

#: Advance widths in em of DejaVu Sans, the larger of regular and bold (from the fonts' hmtx tables).
CHAR_WIDTHS: dict[str, float] = {
    " ": 0.348, "!": 0.456, '"': 0.521, "#": 0.838, "$": 0.696, "%": 1.002, "&": 0.872, "'": 0.306, "(": 0.457,
    ")": 0.457, "*": 0.523, "+": 0.838, ",": 0.38, "-": 0.415, ".": 0.38, "/": 0.365, "0": 0.696, "1": 0.696,
    "2": 0.696, "3": 0.696, "4": 0.696, "5": 0.696, "6": 0.696, "7": 0.696, "8": 0.696, "9": 0.696, ":": 0.4,
    ";": 0.4, "<": 0.838, "=": 0.838, ">": 0.838, "?": 0.58, "@": 1.0, "A": 0.774, "B": 0.762, "C": 0.734,
    "D": 0.83, "E": 0.683, "F": 0.683, "G": 0.821, "H": 0.837, "I": 0.372, "J": 0.372, "K": 0.775, "L": 0.637,
    "M": 0.995, "N": 0.837, "O": 0.85, "P": 0.733, "Q": 0.85, "R": 0.77, "S": 0.72, "T": 0.682, "U": 0.812,
    "V": 0.774, "W": 1.103, "X": 0.771, "Y": 0.724, "Z": 0.725, "[": 0.457, "\\": 0.365, "]": 0.457, "^": 0.838,
    "_": 0.5, "`": 0.5, "a": 0.675, "b": 0.716, "c": 0.593, "d": 0.716, "e": 0.678, "f": 0.435, "g": 0.716,
    "h": 0.712, "i": 0.343, "j": 0.343, "k": 0.665, "l": 0.343, "m": 1.042, "n": 0.712, "o": 0.687, "p": 0.716,
    "q": 0.716, "r": 0.493, "s": 0.595, "t": 0.478, "u": 0.712, "v": 0.652, "w": 0.924, "x": 0.645, "y": 0.652,
    "z": 0.582, "{": 0.712, "|": 0.365, "}": 0.712, "~": 0.838, "×": 0.838, "·": 0.38, "→": 0.838, "←": 0.838,
    "↑": 0.838, "↓": 0.838, "…": 1.0, "⊕": 0.838, "⊗": 0.838, "−": 0.838, "–": 0.5, "—": 1.0, "²": 0.438,
}
ASCENT, DESCENT = 0.93, 0.24  #: of the em, above and below the baseline (DejaVu Sans: 0.928, 0.236)
WIDTH_MARGIN = 1.03  #: rounding and hinting


def text_width(text: str, size: float) -> float:
    """Width in px of ``text`` at ``size`` px: an upper bound for the fonts of :data:`FONT`."""
    return sum(CHAR_WIDTHS.get(c, 1.0) for c in text) * size * WIDTH_MARGIN


def text_box(x: float, y: float, text: str, size: float, anchor: str = "start") -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a ``<text>`` at baseline ``y`` with ``text-anchor`` ``anchor``."""
    w = text_width(text, size)
    left = x - (w / 2 if anchor == "middle" else w if anchor == "end" else 0)
    return left, y - ASCENT * size, left + w, y + DESCENT * size


def _n(v: float) -> str:
    """A coordinate: 0.1 px, no trailing zeros (deterministic, compact)."""
    r = round(v, 1)
    if r == 0:
        r = 0.0  # no "-0"
    s = f"{r:.1f}"
    return s.removesuffix(".0")


def _count(n: int) -> str:
    """Parameters as people read them: exact below 100,000, then K/M/B."""
    if n < 100_000:
        return f"{n:,}"
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.3g}{unit}" if n / div < 100 else f"{n / div:,.0f}{unit}"
    return str(n)


# -- the canvas ------------------------------------------------------------------------------------------
COLOURS = {  # kind → (front, top, side, label)
    "input": ("#e4e4e4", "#f1f1f1", "#c9c9c9", "input"),
    "conv": ("#7fb0e3", "#a8cbef", "#5a92cc", "convolution"),
    "pool": ("#f3b75f", "#f8d291", "#dc983a", "pooling"),
    "up": ("#ec8c8c", "#f3b3b3", "#d56a6a", "upsampling"),
    "linear": ("#86c78a", "#addcb0", "#62ad67", "linear"),
    "merge": ("#b598d6", "#d1bde8", "#9776c2", "merge"),
    "flat": ("#c9c9c9", "#dedede", "#aaaaaa", "flatten / reshape"),
    "other": ("#d9cfb8", "#e9e2d2", "#bfb395", "other"),
}
INK = "#222222"
GREY = "#5f5f5f"
LINE = "#4a4a4a"


class Canvas:
    """SVG elements in three layers (lines, shapes, text), with the extent of everything drawn and the
    boxes of every text (for the layout's own overlap check)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.shapes: list[str] = []
        self.texts: list[str] = []
        self.text_boxes: list[tuple[float, float, float, float, str]] = []
        self.x0 = self.y0 = math.inf
        self.x1 = self.y1 = -math.inf

    def _extend(self, points) -> None:
        for x, y in points:
            self.x0, self.x1 = min(self.x0, x), max(self.x1, x)
            self.y0, self.y1 = min(self.y0, y), max(self.y1, y)

    def polygon(self, points, fill: str, stroke: str = LINE, width: float = 0.6, layer: str = "shapes",
                extra: str = "") -> str:
        self._extend(points)
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        el = f'<polygon points="{pts}" fill="{fill}" stroke="{stroke}" stroke-width="{_n(width)}"{extra}/>'
        getattr(self, layer).append(el)
        return el

    def path(self, points, stroke: str = LINE, width: float = 1.2, dash: str | None = None,
             layer: str = "lines", fill: str = "none", extra: str = "") -> None:
        if len(points) < 2:
            return
        self._extend(points)
        d = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        getattr(self, layer).append(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{_n(width)}"'
                                    f'{dash_attr} stroke-linejoin="round"{extra}/>')

    def arrow(self, points, stroke: str = LINE, width: float = 1.2, dash: str | None = None, head: bool = True,
              layer: str = "lines") -> None:
        """A polyline with an arrowhead at its last point."""
        points = _dedupe(points)
        if len(points) < 2:
            return
        (xa, ya), (xb, yb) = points[-2], points[-1]
        length = math.hypot(xb - xa, yb - ya)
        if head and length >= 4:
            ux, uy = (xb - xa) / length, (yb - ya) / length
            size = 6.0
            bx, by = xb - ux * size, yb - uy * size
            tip = [(xb, yb), (bx - uy * size * 0.45, by + ux * size * 0.45), (bx + uy * size * 0.45, by - ux * size * 0.45)]
            self.path([*points[:-1], (bx, by)], stroke, width, dash, layer)
            self.polygon(tip, stroke, stroke, 0.5, layer)
        else:
            self.path(points, stroke, width, dash, layer)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str = "none", width: float = 1,
             dash: str | None = None, rx: float = 0, layer: str = "shapes", extra: str = "") -> None:
        self._extend([(x, y), (x + w, y + h)])
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        r = f' rx="{_n(rx)}"' if rx else ""
        getattr(self, layer).append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"{r} '
                                    f'fill="{fill}" stroke="{stroke}" stroke-width="{_n(width)}"{dash_attr}{extra}/>')

    def text(self, x: float, y: float, text: str, size: float = 11, anchor: str = "middle", bold: bool = False,
             fill: str = INK, italic: bool = False, cls: str = "") -> None:
        box = text_box(x, y, text, size, anchor)
        self._extend([box[:2], box[2:]])
        self.text_boxes.append((*box, text))
        attrs = f' text-anchor="{anchor}"' if anchor != "start" else ""
        attrs += ' font-weight="bold"' if bold else ""
        attrs += ' font-style="italic"' if italic else ""
        attrs += f' fill="{fill}"' if fill != INK else ""
        attrs += f' class="{cls}"' if cls else ""
        self.texts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"{attrs}>{escape(text)}</text>')

    def raw(self, element: str, layer: str = "shapes") -> None:
        getattr(self, layer).append(element)

    def svg(self, title: str, margin: float = 12) -> str:
        """The document: everything shifted so that its extent starts at ``margin``."""
        dx, dy = margin - self.x0, margin - self.y0
        w, h = self.x1 - self.x0 + 2 * margin, self.y1 - self.y0 + 2 * margin
        body = [*self.lines, *self.shapes, *self.texts]
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(w)} {_n(h)}" width="{_n(w)}" '
                f'height="{_n(h)}" font-family="{FONT}">\n'
                f"<title>{escape(title)}</title>\n"
                f'<rect x="0" y="0" width="{_n(w)}" height="{_n(h)}" fill="#ffffff"/>\n'
                f'<g transform="translate({_n(dx)},{_n(dy)})">\n' + "\n".join(body) + "\n</g>\n</svg>\n")


def _dedupe(points):
    out = []
    for p in points:
        if not out or (abs(out[-1][0] - p[0]) > 1e-6 or abs(out[-1][1] - p[1]) > 1e-6):
            out.append(p)
    return out


# -- sizes -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Scale:
    """Pixels for sizes: spatial sizes linear while the largest is small (LeNet), logarithmic beyond;
    channels always logarithmic; vector lengths logarithmic."""

    largest: int  #: the largest spatial size drawn
    face: float  #: px of the largest spatial size

    @property
    def logarithmic(self) -> bool:
        return self.largest > 64

    def spatial(self, v: int) -> float:
        if not self.logarithmic:
            return max(4.0, self.face * v / self.largest)
        return 6 + (self.face - 6) * math.log2(max(v, 1)) / math.log2(self.largest)

    @staticmethod
    def channels(c: int) -> float:
        return min(40.0, 3 + 2.7 * math.log2(max(c, 1)))

    def vector(self, n: int) -> float:
        return min(self.face * 1.35, 14 + 10 * math.log2(max(n, 1)))


@dataclass(slots=True)
class Glyph:
    """A tensor's box: front face ``t`` × ``h``, receding ``dx``, ``dy``; ``vector``: a bar."""

    t: float
    h: float
    dx: float
    dy: float
    vector: bool = False

    @property
    def width(self) -> float:
        return self.t + self.dx


def glyph(t: dg.Tensor, scale: Scale) -> Glyph:
    if t.virtual:
        return Glyph(0, 0, 0, 0)
    shape = t.shape
    if len(shape) <= 1:
        n = shape[0] if shape else 1
        return Glyph(9, scale.vector(n), 4, 4, vector=True)
    h_size = shape[-2] if len(shape) >= 3 else shape[1]
    w_size = shape[-1] if len(shape) >= 3 else 1
    h = scale.spatial(h_size)
    depth = scale.spatial(w_size) if len(shape) >= 3 else 4
    return Glyph(Scale.channels(shape[0]), h, depth * 0.36, depth * 0.3)


def shape_label(shape) -> str:
    """``6@28×28`` for a C×H×W map, ``120`` for a vector."""
    if len(shape) <= 1:
        return f"{shape[0]:,}" if shape else "scalar"
    return f"{shape[0]}@" + "×".join(str(v) for v in shape[1:])


_FOLDED = {"relu": "ReLU", "relu6": "ReLU6", "localresponsenorm": "LRN", "leakyrelu": "LeakyReLU", "gelu": "GELU",
           "silu": "SiLU", "elu": "ELU", "prelu": "PReLU", "hardswish": "h-swish", "groupnorm": "GN", "layernorm": "LN"}


def folded_label(types: list[str]) -> str:
    names = []
    for t in types:
        name = "BN" if t.startswith("batchnorm") else "IN" if t.startswith("instancenorm") else _FOLDED.get(t, t)
        if "dropout" in t:
            name = "dropout"
        if name not in names:
            names.append(name)
    return "+ " + " + ".join(names) if names else ""


def _dims(v) -> str:
    if isinstance(v, (tuple, list)):
        if len(set(v)) == 1:
            return f"{v[0]}×{v[0]}" if len(v) == 2 else "×".join(str(x) for x in v)
        return "×".join(str(x) for x in v)
    return str(v)


def op_label(t: dg.Tensor) -> str:
    """The layer that made the tensor, as a figure says it: ``conv 5×5``, ``maxpool 3×3/2``, ``concat``."""
    s = t.settings
    typ = t.type
    if typ == "input":
        return "input" if t.name in (None, "input") else f"input {t.name}"
    k = s.get("kernel_size")
    stride = s.get("stride")
    if isinstance(stride, int):  # a setting given as one number (some print(model) readings): every dim
        stride = (stride,)
    st = ""
    if stride is not None and any(v != 1 for v in stride):
        st = "/" + (str(stride[0]) if len(set(stride)) == 1 else _dims(stride))
    if typ.startswith("convtranspose"):
        text = f"up-conv {_dims(k)}{st}"
    elif typ.startswith("conv"):
        text = f"conv {_dims(k)}{st}"
        d = s.get("dilation")
        if isinstance(d, int):
            d = (d,)
        if d and any(v != 1 for v in d):
            text += f" d{d[0]}"
        g = s.get("groups")
        if g and g != 1:
            text += " dw" if t.row is not None and g == t.row.input_shape[0] else f" g{g}"
    elif typ.startswith("adaptive"):
        kind = "avgpool" if "avg" in typ else "maxpool"
        text = f"{kind} → {_dims(s.get('output_size', ''))}"
    elif "pool" in typ or typ.startswith("subsampling"):
        kind = "avgpool" if "avg" in typ else "maxpool" if "max" in typ else "subsample"
        text = f"{kind} {_dims(k)}{st}" if k else kind
    elif typ == "pad":
        sizes = list(zip(t.row.output_shape[1:], t.row.input_shape[1:])) if t.row is not None else []
        text = "crop" if sizes and all(o <= i for o, i in sizes) and any(o < i for o, i in sizes) else "pad"
    elif typ in ("upsample", "interpolate"):
        text = "upsample"
    elif t.op in MERGE_WORDS:
        # a merge says what it does, not the block it closes (an inception module's join is a concat)
        text = MERGE_WORDS[t.op]
        plain = "".join(ch for ch in (t.name or "").lower() if ch.isalpha())
        if not t.name or plain in MERGE_NAMES[t.op] or len(t.name) > 12:
            return text  # cat1, cat_2, scale, diff: the name only restates the operation
        return f"{t.name} {text}"
    else:
        text = typ
    name = t.name
    plain = "".join(ch for ch in (name or "").lower() if ch.isalnum())
    # a name the words already say is left out (maxpool for a maxpool), compared with the words alone: the
    # kernel's digits must not swallow a name (pool2 is not in "maxpool 2×2/2", nor conv1 in "conv 1×1")
    if name and len(name) <= 12 and plain not in "".join(ch for ch in text.lower() if ch.isalpha()):
        text = f"{name} {text}"
    return text


#: How a figure names a merge: concatenation, sum, difference, and × for a gate's product.
MERGE_WORDS = {"concat": "concat", "add": "add", "sub": "subtract", "mul": "×"}
#: Layer names (letters only) that say no more than the merge's word.
MERGE_NAMES = {
    "concat": {"cat", "concat", "concatenate", "merge", "join"},
    "add": {"add", "sum", "plus", "merge", "residual", "skip", "shortcut"},
    "sub": {"sub", "subtract", "diff", "difference", "minus"},
    "mul": {"mul", "multiply", "prod", "product", "scale", "gate", "excite", "excitation"},
}


# -- layout ------------------------------------------------------------------------------------------------
GAP = 26.0  #: an edge between two tensors
FAN = 20.0  #: where lanes fork or join
VGAP = 14.0  #: between stacked lanes
COLPAD = 5.0
SHAPE_SIZE, OP_SIZE, NOTE_SIZE = 12.0, 11.0, 10.0
LINE_STEP = 13.5
RPAD, BADGE = 8.0, 20.0
ARC_CLEAR = 10.0


@dataclass(slots=True)
class Geo:
    width: float
    up: float
    down: float


@dataclass(slots=True)
class Col:
    """A placed tensor: its glyph's left x and the axis y."""

    x: float
    y: float
    g: Glyph
    t: dg.Tensor

    @property
    def left(self) -> tuple[float, float]:
        return self.x, self.y

    @property
    def right(self) -> tuple[float, float]:
        g = self.g
        if g.dy < g.h / 2 - 1 or g.vector:
            return self.x + g.width, self.y
        return self.x + g.t, self.y

    @property
    def top(self) -> float:
        return self.y - self.g.h / 2 - self.g.dy

    @property
    def centre_x(self) -> float:
        return self.x + self.g.width / 2


class Layout:
    def __init__(self, dia: dg.Diagram, canvas: Canvas):
        self.dia = dia
        self.c = canvas
        drawn = [t for t in dia.tensors.values() if not t.virtual]
        spatial = [v for t in drawn if len(t.shape) >= 2 for v in t.shape[1:]] or [1]
        big = len(dia.drawn()) > 45
        self.scale = Scale(largest=max(spatial), face=64 if big else 100)
        self.glyphs = {t.id: glyph(t, self.scale) for t in dia.tensors.values()}
        self.glyphs[dg.VIRTUAL] = Glyph(0, 0, 0, 0)
        self.cols: dict[str, Col] = {}
        self.deferred: list = []  #: arcs, drawn once every tensor has its place
        self.neighbours: set[tuple[str, str]] = set()  #: (a, b): b reads a across one edge, side by side
        self._geo: dict[int, tuple[object, Geo]] = {}

    # - measuring -
    def labels(self, t: dg.Tensor) -> tuple[str, list[tuple[str, float, str]]]:
        """The shape label and the lines under the glyph: (text, size, colour)."""
        lines = [(op_label(t), OP_SIZE, INK)]
        extra = folded_label(t.folded)
        if extra:
            lines.append((extra, NOTE_SIZE, GREY))
        if t.shared_with:
            lines.append((f"shares {t.shared_with}", NOTE_SIZE, GREY))
        elif t.params:
            lines.append((f"{_count(t.params)} params", NOTE_SIZE, GREY))
        return shape_label(t.shape), lines

    def measure(self, part) -> Geo:
        key = id(part)
        if key in self._geo:
            return self._geo[key][1]
        geo = self._measure(part)
        self._geo[key] = (part, geo)  # the part is kept alive, so its id is not reused by another
        return geo

    def _measure(self, part) -> Geo:
        if isinstance(part, dg.Tensor):
            g = self.glyphs[part.id]
            if part.virtual:
                return Geo(0, 0, 0)
            top, lines = self.labels(part)
            w = max(g.width, text_width(top, SHAPE_SIZE), *(text_width(s, z) for s, z, _ in lines)) + 2 * COLPAD
            up = g.h / 2 + g.dy + 5 + SHAPE_SIZE * (ASCENT + DESCENT)
            down = g.h / 2 + 4 + len(lines) * LINE_STEP + 2
            return Geo(w, up, down)
        if isinstance(part, dg.Edge):
            return Geo(GAP, 4, 4)
        if isinstance(part, dg.Seq):
            geos = [self.measure(p) for p in part.parts]
            up = max((g.up for g in geos), default=0)
            if part.arcs:
                up += ARC_CLEAR * (len(part.arcs) + 1)
            return Geo(sum(g.width for g in geos), up, max((g.down for g in geos), default=0))
        if isinstance(part, dg.Repeat):
            a, b = self.measure(part.gap), self.measure(part.tensor)
            return Geo(a.width + b.width + 2 * RPAD, max(a.up, b.up) + BADGE, max(a.down, b.down) + RPAD)
        if isinstance(part, dg.Parallel):
            plan = self.plan(part)
            return Geo(2 * FAN + plan.width, plan.up, plan.down)
        raise TypeError(part)

    def plan(self, par: dg.Parallel) -> Plan:
        lanes = [self.measure(lane) for lane in par.lanes]
        width = max((g.width for g in lanes), default=GAP)
        src, dst = par.source, par.sink
        dives = [i for i, lane in enumerate(par.lanes) if _dives(lane, src, dst)]
        offsets = [0.0] * len(lanes)
        right = [False] * len(lanes)
        axis_line = False
        if par.identity and (dst.type == "mul" or dives):
            mode = "below"
        elif not par.identity and len(dives) == 1 and len(lanes) >= 2:
            mode = "deep"
        elif len(lanes) >= 3 or (dst.type not in ("add", "sub", "mul") and not par.identity and len(lanes) > 1):
            mode = "stack"
        else:
            mode = "main"
        up = down = 0.0
        if mode == "below":
            axis_line = True
            cursor = 8.0
            for i, g in enumerate(lanes):
                offsets[i] = cursor + VGAP + g.up
                cursor = offsets[i] + g.down
            up, down = 8.0, cursor
        elif mode == "deep":
            deep = dives[0]
            shallow = [i for i in range(len(lanes)) if i != deep]
            first = shallow[0]
            right[first] = True
            cursor = -lanes[first].up
            for i in shallow[1:]:
                right[i] = True
                offsets[i] = cursor - VGAP - lanes[i].down
                cursor = offsets[i] - lanes[i].up
            up = -cursor
            offsets[deep] = lanes[first].down + VGAP + lanes[deep].up
            down = offsets[deep] + lanes[deep].down
        elif mode == "stack":
            total = sum(g.up + g.down for g in lanes) + VGAP * (len(lanes) - 1)
            cursor = -total / 2
            if len(lanes) % 2:  # the middle lane on the axis
                mid = len(lanes) // 2
                cursor = -lanes[mid].up - sum(g.up + g.down + VGAP for g in lanes[:mid])
            for i, g in enumerate(lanes):
                offsets[i] = cursor + g.up
                cursor = offsets[i] + g.down + VGAP
            up = max(g.up - o for g, o in zip(lanes, offsets))
            down = max(g.down + o for g, o in zip(lanes, offsets))
        else:  # main: the widest lane on the axis, the others above it
            main = max(range(len(lanes)), key=lambda i: (lanes[i].width, -i))
            cursor = -lanes[main].up
            for i in range(len(lanes)):
                if i == main:
                    continue
                offsets[i] = cursor - VGAP - lanes[i].down
                cursor = offsets[i] - lanes[i].up
            up, down = -cursor, lanes[main].down
        arc = None
        if par.identity and mode != "below":
            arc = -up - ARC_CLEAR
            up += ARC_CLEAR + 6 + NOTE_SIZE * (ASCENT + DESCENT)
        return Plan(mode, width, up, down, offsets, right, axis_line, arc)

    # - placing -
    def place_seq(self, seq: dg.Seq, x: float, y: float, entry: float | None, exit_: float | None,
                  exit_arrow: bool = False) -> None:
        """Lay ``seq`` out from ``x`` on axis ``y``. ``entry``: x where its first gap's line starts (a
        lane's fork); ``exit_``: x where its last gap's line ends (a lane's join)."""
        positions = []
        cx = x
        for part in seq.parts:
            positions.append(cx)
            cx += self.measure(part).width
        anchors: list[tuple[float, float] | None] = []  # right anchor before each part
        prev = (entry, y) if entry is not None else None
        for i, part in enumerate(seq.parts):
            px = positions[i]
            if isinstance(part, dg.Tensor):
                col = self.place_tensor(part, px, y)
                if i >= 2 and isinstance(seq.parts[i - 1], dg.Edge) and isinstance(seq.parts[i - 2], dg.Tensor) \
                        and part.inputs[:1] == [seq.parts[i - 2].id]:
                    self.neighbours.add((seq.parts[i - 2].id, part.id))
                anchors.append(prev)
                prev = col.right
            elif isinstance(part, dg.Repeat):
                anchors.append(prev)
                prev = self.place_repeat(part, px, y, prev)
            else:
                anchors.append(prev)
                prev = None  # filled in by the gap, once the next tensor is placed
        # gaps: need the next tensor's left anchor
        for i, part in enumerate(seq.parts):
            if isinstance(part, (dg.Tensor, dg.Repeat)):
                continue
            start = self._prev_anchor(seq.parts, i, entry, y)
            end, arrow = self._next_anchor(seq.parts, i, exit_, y, exit_arrow)
            self.place_gap(part, positions[i], y, start, end, arrow)
        if seq.arcs:
            self.deferred.append((seq, y - self.measure(seq).up))

    def _prev_anchor(self, parts, i, entry, y):
        j = i - 1
        while j >= 0:
            p = parts[j]
            if isinstance(p, dg.Tensor):
                return self.cols[p.id].right if p.id in self.cols else (entry, y)
            if isinstance(p, dg.Repeat):
                return self.cols[p.tensor.id].right
            j -= 1
        return (entry, y) if entry is not None else None

    def _next_anchor(self, parts, i, exit_, y, exit_arrow):
        if i + 1 < len(parts):
            p = parts[i + 1]
            t = p.tensor if isinstance(p, dg.Repeat) else p
            if isinstance(t, dg.Tensor) and t.id in self.cols:
                if isinstance(p, dg.Repeat):
                    return None, False  # the repeat draws its own entry
                return self.cols[t.id].left, True
        return ((exit_, y), exit_arrow) if exit_ is not None else (None, False)

    def place_tensor(self, t: dg.Tensor, x: float, y: float) -> Col:
        geo = self.measure(t)
        g = self.glyphs[t.id]
        gx = x + (geo.width - g.width) / 2
        col = Col(gx, y, g, t)
        self.cols[t.id] = col
        if t.virtual:
            return col
        self.draw_glyph(col)
        top, lines = self.labels(t)
        cx = x + geo.width / 2
        self.c.text(cx, col.top - 5 - DESCENT * SHAPE_SIZE, top, SHAPE_SIZE, bold=True, cls="shape")
        ly = y + g.h / 2 + 4
        for text, size, colour in lines:
            ly += LINE_STEP
            self.c.text(cx, ly - 2, text, size, fill=colour, cls="op" if size == OP_SIZE else "note")
        return col

    def draw_glyph(self, col: Col) -> None:
        g, t = col.g, col.t
        front, top, side, _ = COLOURS[t.kind]
        x, y = col.x, col.y
        y0, y1 = y - g.h / 2, y + g.h / 2
        attrs = (f' data-node="{escape(t.id)}" data-shape="{"x".join(map(str, t.shape))}" '
                 f'data-label="{escape(shape_label(t.shape))}"')
        if len(t.nodes) > 1:
            attrs += f' data-folds="{escape(" ".join(t.nodes[1:]))}"'
        self.c.raw(f'<g class="fmap"{attrs}>')
        self.c.polygon([(x, y0), (x + g.t, y0), (x + g.t + g.dx, y0 - g.dy), (x + g.dx, y0 - g.dy)], top)
        self.c.polygon([(x + g.t, y0), (x + g.t + g.dx, y0 - g.dy), (x + g.t + g.dx, y1 - g.dy), (x + g.t, y1)], side)
        self.c.polygon([(x, y0), (x + g.t, y0), (x + g.t, y1), (x, y1)], front)
        if t.is_output:
            self.c.polygon([(x, y0), (x + g.t, y0), (x + g.t, y1), (x, y1)], "none", INK, 1.6)
        self.c.raw("</g>")

    def place_repeat(self, rep: dg.Repeat, x: float, y: float, prev):
        geo = self.measure(rep)
        a = self.measure(rep.gap)
        gx = x + RPAD
        tcol = self.place_tensor(rep.tensor, gx + a.width, y)
        if isinstance(rep.gap, dg.Edge):
            self.place_gap(rep.gap, gx, y, prev, tcol.left, True)
        else:
            self.place_gap(rep.gap, gx, y, prev, tcol.left, True)
        top = y - geo.up + BADGE - 6
        height = geo.up - BADGE + 6 + geo.down - RPAD + 4
        hidden = " ".join(n for t in rep.hidden for n in t.nodes)
        self.c.rect(x + 2, top, geo.width - 4, height, "none", "#7a7a7a", 1.2, "5 3", 6, layer="lines",
                    extra=f' class="repeat" data-count="{rep.count}" data-hidden="{escape(hidden)}"')
        self.c.text(x + geo.width - 6, top - 6, f"×{rep.count}", 13, anchor="end", bold=True, cls="badge")
        return tcol.right

    def place_gap(self, gap, x: float, y: float, start, end, arrow: bool) -> None:
        if isinstance(gap, dg.Edge):
            if gap.count and start is not None and end is not None and start[0] is not None:
                virtual = False
                self.c.arrow([start, end], head=arrow and not virtual)
            return
        if isinstance(gap, dg.Parallel):
            self.place_parallel(gap, x, y, start, end, arrow)
            return
        raise TypeError(gap)

    def place_parallel(self, par: dg.Parallel, x: float, y: float, start, end, arrow: bool) -> None:
        plan = self.plan(par)
        geo = self.measure(par)
        fork, join = x + FAN / 2, x + geo.width - FAN / 2
        lane_x0 = x + FAN
        from_virtual = par.source.virtual
        for i, lane in enumerate(par.lanes):
            lg = self.measure(lane)
            ly = y + plan.offsets[i]
            lx = lane_x0 + (plan.width - lg.width if plan.right[i] else 0)
            self.place_seq(lane, lx, ly, lx, lx + lg.width)
            if start is not None and not from_virtual:
                if plan.right[i] and abs(plan.offsets[i]) < 1e-6:
                    self.c.path([start, (lx, ly)])  # a bridge
                else:
                    self.c.path([start, (fork, y), (fork, ly), (lx, ly)])
            if end is not None and end[0] is not None:
                self.c.path([(lx + lg.width, ly), (join, ly), (join, y)])
        if end is not None and end[0] is not None:
            self.c.arrow([(join, y), end], head=arrow)
        if plan.axis_line and start is not None and end is not None:
            self.c.arrow([start, end], head=arrow, width=1.4)
        if plan.arc is not None and start is not None and end is not None:
            ay = y + plan.arc
            self.c.arrow([start, (start[0] + 6, ay), (end[0] - 6, ay), end], stroke="#3d3d3d", width=1.4)
            self.c.text((start[0] + end[0]) / 2, ay - 4, "identity", NOTE_SIZE, fill=GREY, cls="note")

    def draw_arcs(self) -> None:
        for seq, top in self.deferred:
            level = top + ARC_CLEAR
            for u, v in seq.arcs:
                if u not in self.cols or v not in self.cols:
                    continue
                a, b = self.cols[u], self.cols[v]
                self.c.arrow([(a.centre_x, a.top), (a.centre_x, level), (b.centre_x, level), (b.centre_x, b.top)],
                             stroke="#3d3d3d", width=1.1)
                level += ARC_CLEAR

    def draw_windows(self) -> None:
        """The kernel as a window on the box it reads, with lines to the map it makes; flatten as a funnel."""
        for col in list(self.cols.values()):
            t = col.t
            if not t.inputs or t.virtual:
                continue
            src = self.cols.get(t.inputs[0])
            if src is None or src.x >= col.x or abs(src.y - col.y) > 1e-6 or src.t.virtual:
                continue
            if (src.t.id, t.id) not in self.neighbours:
                continue
            k = t.settings.get("kernel_size")
            if k and ("conv" in t.type or "pool" in t.type) and not src.g.vector and len(src.t.shape) >= 3 \
                    and src.g.h >= 30:
                hh, ww = src.t.shape[-2], src.t.shape[-1]
                kv = min(1.0, max(0.1, k[-2] / hh)) if len(k) >= 2 else 0.2
                ku = min(1.0, max(0.1, k[-1] / ww)) if len(k) >= 2 else 0.2
                g = src.g
                x0, ytop = src.x + g.t, src.y - g.h / 2

                def p(u, v, x0=x0, ytop=ytop, g=g):
                    return x0 + u * g.dx, ytop + v * g.h - u * g.dy

                u0, u1, v0, v1 = 0.5 - ku / 2, 0.5 + ku / 2, 0.5 - kv / 2, 0.5 + kv / 2
                corners = [p(u0, v0), p(u1, v0), p(u1, v1), p(u0, v1)]
                self.c.polygon(corners, "#1f3b5a", "#1f3b5a", 0.6, extra=' fill-opacity="0.35" class="kernel"')
                target = (col.x + col.g.t * 0.5, col.y)
                for corner in (corners[0], corners[3]):
                    self.c.path([corner, target], "#1f3b5a", 0.6, layer="shapes")
            elif t.type == "flatten" and col.g.vector and not src.g.vector:
                g = src.g
                self.c.path([(src.x + g.t + g.dx, src.y - g.h / 2 - g.dy), (col.x, col.y - col.g.h / 2)],
                            GREY, 0.8, "3 2")
                self.c.path([(src.x + g.t, src.y + g.h / 2), (col.x, col.y + col.g.h / 2)], GREY, 0.8, "3 2")


@dataclass(slots=True)
class Plan:
    mode: str
    width: float
    up: float
    down: float
    offsets: list[float]
    right: list[bool]
    axis_line: bool
    arc: float | None


def _dives(lane: dg.Seq, src: dg.Tensor, dst: dg.Tensor) -> bool:
    """A lane that goes down to a lower resolution and back to the one it left (a U-Net level): judged on
    the tensors of its own path and of nested lanes that are not gates (an SE gate's 1×1 does not count)."""
    if len(src.shape) < 2 or len(dst.shape) < 2:
        return False
    sizes = [t.shape[1] for t in _path_tensors(lane) if len(t.shape) >= 2]
    return bool(sizes) and min(sizes) * 1.5 < src.shape[1] and dst.shape[1] * 1.5 > src.shape[1]


def _path_tensors(seq: dg.Seq) -> list[dg.Tensor]:
    out = []
    for p in seq.parts:
        if isinstance(p, dg.Tensor):
            out.append(p)
        elif isinstance(p, dg.Repeat):
            out.append(p.tensor)
        elif isinstance(p, dg.Parallel) and p.sink.type != "mul":
            for lane in p.lanes:
                out += _path_tensors(lane)
    return out


# -- the architecture picture -------------------------------------------------------------------------------
MARGIN = 30.0
ROW_GAP = 34.0
SIDE_GAP = 22.0


def architecture(network, report: Report, *, collapse: bool | None = None, width: float | None = None) -> str:
    """The SVG diagram of ``network`` (as ``report`` analysed it)."""
    dia = dg.build(network, report, collapse=collapse)
    c = Canvas()
    lay = Layout(dia, c)
    parts = dia.top.parts
    title = _title(report)
    c.text(MARGIN, 20, title[0], 16, anchor="start", bold=True, cls="title")
    c.text(MARGIN, 40, title[1], 11.5, anchor="start", fill=GREY, cls="subtitle")
    y_cursor = 40 + DESCENT * 12 + 12
    if not parts:
        return c.svg(title[0])
    u = _u_levels(dia)
    if u is not None:  # a U-Net: drawn as the U of its paper, whatever the width asked for rows
        y_cursor = _place_u(lay, *u, y_cursor) + ROW_GAP
        lay.draw_arcs()
        lay.draw_windows()
        _legend(c, lay, dia, y_cursor)
        return c.svg(title[0])
    first, units = parts[0], []
    i = 1
    while i < len(parts):
        if isinstance(parts[i], dg.Repeat):
            units.append([parts[i]])
            i += 1
        else:
            units.append(parts[i:i + 2])
            i += 2
    widths = [sum(lay.measure(p).width for p in u) for u in units]
    total = lay.measure(first).width + sum(widths)
    limit = width or _row_width(total, max([lay.measure(first).up + lay.measure(first).down,
                                            *(max(lay.measure(p).up for p in u) + max(lay.measure(p).down for p in u)
                                              for u in units)]), max(widths, default=0))
    rows: list[list] = [[first]]
    row_w = lay.measure(first).width
    for u, w in zip(units, widths):
        if row_w + w > limit and len(rows[-1]) > 0 and row_w > 0:
            rows.append([])
            row_w = 0.0
        rows[-1].extend(u)
        row_w += w
    sides_by_row: dict[int, list[dg.Side]] = {}
    row_of: dict[str, int] = {}
    for r, row in enumerate(rows):
        for p in row:
            for t in _all_tensors(p):
                row_of[t.id] = r
    for side in dia.sides:
        sides_by_row.setdefault(row_of.get(side.attach.id, 0), []).append(side)
    prev_end, prev_right = None, 0.0
    for r, row in enumerate(rows):
        seq = dg.Seq(row)
        geo = lay.measure(seq)
        y = y_cursor + geo.up
        entry = MARGIN - 16 if r > 0 else None
        if r > 0 and prev_end is not None:
            (px, py), turn_y = prev_end
            c.path([(px, py), (prev_right + 10, py), (prev_right + 10, turn_y), (entry, turn_y), (entry, y)])
        lay.place_seq(seq, MARGIN, y, entry, None)
        bottom = y + geo.down
        right = MARGIN + geo.width
        for side in sides_by_row.get(r, ()):
            sg = lay.measure(side.chain)
            sy = bottom + SIDE_GAP + sg.up
            anchor = lay.cols[side.attach.id]
            ax = anchor.x + anchor.g.width / 2 + lay.measure(anchor.t).width / 2 + 6  # past its labels
            c.path([(anchor.right[0], y), (ax, y), (ax, sy)], dash="4 3")
            lay.place_seq(side.chain, ax, sy, ax, None)
            bottom = sy + sg.down
            right = max(right, ax + sg.width)
        last = row[-1].tensor if isinstance(row[-1], dg.Repeat) else row[-1]
        prev_end = (lay.cols[last.id].right, bottom + ROW_GAP / 2)
        prev_right = right
        y_cursor = bottom + ROW_GAP
    lay.draw_arcs()
    lay.draw_windows()
    _legend(c, lay, dia, y_cursor)
    return c.svg(title[0])


# -- a U-Net: one row per resolution level -------------------------------------------------------------------
U_INDENT = 40.0  #: each level's row starts (and ends) this much further in than the one above it
U_ROW_GAP = 30.0  #: between two levels' rows (the connectors run through its middle)
U_FORK = 30.0  #: the least run of a bridge before its crop
U_COPY = 90.0  #: the least length of a bridge without a crop (a direct copy)


@dataclass(slots=True)
class ULevel:
    """One resolution level of a U-Net, drawn as a row: its encoder on the left, the bridge (the copy, with its
    crop), its decoder on the right; the level below hangs from the encoder's last map (``par.source``) and
    comes back up into the decoder's first (``par.sink``)."""

    enc: dg.Seq  #: the top level: tensor, gap, …, tensor; deeper: gap (from the level above), tensor, …, tensor
    bridge: dg.Seq | None  #: the copy lane (gap, crop, gap); None: a direct edge
    dec: dg.Seq  #: tensor, gap, …, tensor; deeper levels end with the gap up to the level above
    par: dg.Parallel  #: the region between ``enc``'s last tensor and ``dec``'s first


def _u_split(par: dg.Parallel) -> tuple[dg.Seq, dg.Seq | None] | None:
    """(the lane down a level, the bridge) of a U-Net level's region, else None."""
    if (par.sink.op or par.sink.type) == "mul" or len(par.source.shape) < 2:
        return None  # a gate (SE: 1×1 and back) is not a level
    dives = [lane for lane in par.lanes if _dives(lane, par.source, par.sink)]
    if len(dives) != 1 or dives[0].arcs:
        return None
    others = [lane for lane in par.lanes if lane is not dives[0]]
    if par.identity == 1 and not others:
        return dives[0], None
    if par.identity == 0 and len(others) == 1 and not others[0].arcs:
        return dives[0], others[0]
    return None


def _u_levels(dia: dg.Diagram) -> tuple[list[ULevel], dg.Seq] | None:
    """The levels of a network whose main path is a U-Net (at least two levels nested, down to the bottom
    lane), else None: a network's other shapes keep their layout."""
    top = dia.top
    parts = top.parts
    if dia.sides or top.arcs or not parts or not isinstance(parts[0], dg.Tensor) or parts[0].virtual:
        return None
    levels: list[ULevel] = []
    lane = top
    while True:
        found = [i for i, p in enumerate(lane.parts) if isinstance(p, dg.Parallel) and _u_split(p)]
        if len(found) != 1:
            break
        i = found[0]
        if not (0 < i < len(lane.parts) - 1 and isinstance(lane.parts[i - 1], dg.Tensor)
                and isinstance(lane.parts[i + 1], dg.Tensor)):
            break
        par = lane.parts[i]
        deep, bridge = _u_split(par)
        levels.append(ULevel(dg.Seq(lane.parts[:i]), bridge, dg.Seq(lane.parts[i + 1:]), par))
        lane = deep
    if len(levels) < 2:
        return None
    return levels, lane


def _place_u(lay: Layout, levels: list[ULevel], bottom: dg.Seq, y_top: float) -> float:
    """Lay a U-Net out as its paper draws it: a row per level, the encoders down the left (each level under
    the one above, a little further in), the bottom level in the middle, the decoders up the right, each
    level's copy-and-crop bridge across its row. Returns the y of the bottom row's lowest point."""
    c = lay.c
    n = len(levels)

    def lead(seq: dg.Seq) -> float:  # the gap a deeper row opens with (its line comes from the row above)
        p = seq.parts[0] if seq.parts else None
        return 0.0 if p is None or isinstance(p, (dg.Tensor, dg.Repeat)) else lay.measure(p).width

    def trail(seq: dg.Seq) -> float:  # the gap a deeper row ends with (its line goes up to the row above)
        p = seq.parts[-1] if seq.parts else None
        return 0.0 if p is None or isinstance(p, (dg.Tensor, dg.Repeat)) else lay.measure(p).width

    def column_right(t: dg.Tensor) -> float:  # past the tensor's labels
        col = lay.cols[t.id]
        return col.centre_x + lay.measure(t).width / 2

    def column_left(t: dg.Tensor) -> float:
        col = lay.cols[t.id]
        return col.centre_x - lay.measure(t).width / 2

    # the width: every row fits between its indents; the bottom row fits between its own
    need = 0.0
    for k, lv in enumerate(levels):
        enc = lay.measure(lv.enc).width - lead(lv.enc)
        dec = lay.measure(lv.dec).width - trail(lv.dec)
        bridge = U_FORK + lay.measure(lv.bridge).width if lv.bridge is not None else U_COPY
        need = max(need, 2 * k * U_INDENT + enc + bridge + dec)
    bot = lay.measure(bottom)
    need = max(need, 2 * (n - 1) * U_INDENT + bot.width + 2 * U_FORK)
    x0, x1 = MARGIN, MARGIN + need

    # the rows' axes
    ys, downs = [], []
    y = y_top
    for lv in levels:
        geos = [lay.measure(lv.enc), lay.measure(lv.dec)]
        if lv.bridge is not None:
            geos.append(lay.measure(lv.bridge))
        up, down = max(g.up for g in geos), max(g.down for g in geos)
        ys.append(y + up)
        downs.append(down)
        y = ys[-1] + down + U_ROW_GAP
    ys.append(y + bot.up)
    downs.append(bot.down)

    # place the rows
    entries, exits = [None], [None]  # per row: where the line from the row above arrives, and leaves back up
    for k, lv in enumerate(levels):
        ex = x0 + k * U_INDENT - lead(lv.enc)
        lay.place_seq(lv.enc, ex, ys[k], ex if k else None, None)
        dec_w = lay.measure(lv.dec).width
        dx = x1 - k * U_INDENT + trail(lv.dec) - dec_w
        lay.place_seq(lv.dec, dx, ys[k], None, dx + dec_w if k else None)
        if k:
            entries.append(ex)
            exits.append(dx + dec_w)
        source, sink = lay.cols[lv.par.source.id], lay.cols[lv.par.sink.id]
        if lv.bridge is not None:
            bx = column_left(lv.par.sink) - lay.measure(lv.bridge).width
            lay.place_seq(lv.bridge, bx, ys[k], source.right[0], sink.left[0], exit_arrow=True)
        else:
            c.arrow([source.right, sink.left])
            mid = (column_right(lv.par.source) + column_left(lv.par.sink)) / 2
            c.text(mid, ys[k] - 5, "copy", NOTE_SIZE, fill=GREY, cls="note")
    bx = x0 + (need - bot.width) / 2
    lay.place_seq(bottom, bx, ys[n], bx, bx + bot.width)
    entries.append(bx)
    exits.append(bx + bot.width)

    # the connectors: down from each encoder's last map to the row below, up from each row's end to the
    # decoder above, both through the middle of the gap between the rows
    for k, lv in enumerate(levels):
        channel = ys[k] + downs[k] + U_ROW_GAP / 2
        source = lay.cols[lv.par.source.id]
        fork = column_right(lv.par.source) + 4
        c.path([source.right, (fork, ys[k]), (fork, channel), (entries[k + 1], channel), (entries[k + 1], ys[k + 1])])
        join = column_left(lv.par.sink) - GAP / 2
        c.arrow([(exits[k + 1], ys[k + 1]), (exits[k + 1], channel), (join, channel), (join, ys[k]),
                 lay.cols[lv.par.sink.id].left])
    return ys[n] + downs[n]


def _row_width(total: float, row_height: float, widest: float) -> float:
    """Rows about as wide as a 16:9 slide wants for this many rows, never narrower than the widest unit."""
    if total <= 1500 or widest > 0.6 * total:  # small, or one unit (a U-Net's U) is most of it: one row
        return total + 1
    rows = max(1, round(math.sqrt(total * 9 / (16 * max(row_height, 1)))))
    return max(1100.0, total / rows + 1, widest)


def _all_tensors(part) -> list[dg.Tensor]:
    if isinstance(part, dg.Tensor):
        return [part]
    if isinstance(part, dg.Seq):
        return [t for p in part.parts for t in _all_tensors(p)]
    if isinstance(part, dg.Parallel):
        return [t for lane in part.lanes for t in _all_tensors(lane)]
    if isinstance(part, dg.Repeat):
        return [*_all_tensors(part.gap), part.tensor]
    return []


def _title(report: Report) -> tuple[str, str]:
    t = report.totals
    ins = ", ".join(shape_label(s) for _, s in report.inputs) or shape_label(report.input_shape)
    outs = ", ".join(shape_label(s) for _, s in report.outputs if s is not None) or "?"
    return (report.name or "network",
            f"{ins} → {outs}   ·   {t.params:,} params   ·   {t.macs:,} MACs")


def _legend(c: Canvas, lay: Layout, dia: dg.Diagram, y: float) -> None:
    kinds = []
    for t in dia.drawn():
        if t.kind not in kinds:
            kinds.append(t.kind)
    order = [k for k in COLOURS if k in kinds]
    x = MARGIN
    y += 6
    for kind in order:
        front, _, side, label = COLOURS[kind]
        c.rect(x, y - 9, 12, 12, front, LINE, 0.6)
        c.text(x + 17, y + 1, label, 10.5, anchor="start", fill=GREY, cls="legend")
        x += 17 + text_width(label, 10.5) + 16
    scale = ("box sizes: channels (thickness) on a log scale, height × width "
             + ("on a log scale" if lay.scale.logarithmic else "to scale"))
    c.text(MARGIN, y + 20, scale + ";  C@H×W = channels @ height × width", 10.5, anchor="start", fill=GREY,
           cls="legend")


# -- the receptive-field picture ------------------------------------------------------------------------------
RF_COLOURS = ["#fde0c5", "#facba6", "#f8b58b", "#f59e72", "#f2855d", "#ef6a4c", "#eb4a40", "#d7303b", "#b41f3a",
              "#8c1538"]


def receptive_field(network, report: Report, node: str) -> str:
    """The input grid with the receptive field of the centre element of ``node`` shaded, and each earlier
    layer's field (for the element nearest that centre) nested inside it."""
    from ..errors import SpecError

    target = _find_row(report, node)
    if target is None:
        names = [r.node for r in report.layers if not r.block][:8]
        raise SpecError(f"--rf: no layer named {node!r}", hint="name a node id, a layer name or a path, e.g. "
                        + ", ".join(names))
    if target.receptive_field is None or len(target.output_shape) < 2:
        raise SpecError(f"--rf: {target.node} has no receptive field (its output is not spatial, or the field is "
                        "not defined there)", hint="pick a conv or pool layer before the flatten")
    spatial = report.input_shape[1:]
    dims2 = list(range(max(0, len(spatial) - 2), len(spatial)))
    out_sizes = target.output_shape[1:]
    centre_index = [(out_sizes[d] - 1) // 2 for d in range(len(out_sizes))]
    centre = [target.start[d] + centre_index[d] * target.jump[d] for d in range(len(out_sizes))]
    ancestors = _ancestors(network, report, target)
    layers = []
    seen_sizes = set()
    for row in ancestors:
        if row.receptive_field is None or row.jump is None or len(row.output_shape) < 2:
            continue
        size = tuple(row.receptive_field[d] for d in dims2)
        if size in seen_sizes or all(s == 1 for s in size):
            continue
        seen_sizes.add(size)
        layers.append(row)
    if target.receptive_field and tuple(target.receptive_field[d] for d in dims2) not in seen_sizes:
        layers.append(target)
    elif layers and layers[-1] is not target:
        layers = [r for r in layers if tuple(r.receptive_field[d] for d in dims2) !=
                  tuple(target.receptive_field[d] for d in dims2)] + [target]
    if len(layers) > len(RF_COLOURS):
        picks = sorted({round(i * (len(layers) - 1) / (len(RF_COLOURS) - 1)) for i in range(len(RF_COLOURS))})
        layers = [layers[i] for i in picks]
    boxes = []  # (row, lo, hi) per drawn dim, in input pixel coordinates (inclusive, may pass the edges)
    for row in layers:
        lo, hi = [], []
        for d in range(len(out_sizes)):
            n = row.output_shape[1 + d]
            j = row.jump[d]
            idx = 0 if j == 0 else min(max(round((centre[d] - row.start[d]) / j), 0), n - 1)
            c0 = row.start[d] + idx * j
            half = Fraction(row.receptive_field[d] - 1, 2)
            lo.append(c0 - half)
            hi.append(c0 + half)
        boxes.append((row, lo, hi))
    c = Canvas()
    h_in = spatial[dims2[0]] if len(dims2) == 2 else 1
    w_in = spatial[dims2[-1]]
    dy_dim, dx_dim = (dims2[0], dims2[-1]) if len(dims2) == 2 else (None, dims2[-1])
    # edge coordinates: input pixel i covers [i, i + 1]; a field centred on pixel c covers [lo, hi + 1]
    lo_x = min([0, *(b[1][dx_dim] for b in boxes)])
    hi_x = max([w_in, *(b[2][dx_dim] + 1 for b in boxes)])
    lo_y = min([0, *(b[1][dy_dim] for b in boxes)]) if dy_dim is not None else 0
    hi_y = max([h_in, *(b[2][dy_dim] + 1 for b in boxes)]) if dy_dim is not None else 1
    span = float(max(hi_x - lo_x, hi_y - lo_y))
    cell = 520 / span
    ox, oy = MARGIN + 10, 86.0

    def X(v):
        return ox + float(v - lo_x) * cell

    def Y(v):
        return oy + float(v - lo_y) * cell

    name = target.name or target.node
    c.text(MARGIN, 20, f"Receptive field of one element of {name} ({shape_label(target.output_shape)})", 16,
           anchor="start", bold=True, cls="title")
    idx_text = ", ".join(str(i) for i in centre_index)
    rf_text = "×".join(str(target.receptive_field[d]) for d in dims2)
    c.text(MARGIN, 40, f"element [{idx_text}] sees {rf_text} input pixels of {shape_label(report.input_shape)}; "
           f"jump {'×'.join(str(target.jump[d]) for d in dims2)}", 11.5, anchor="start", fill=GREY, cls="subtitle")
    c.text(MARGIN, 58, "each earlier layer's field (one element, nearest the same centre) nested inside",
           11.5, anchor="start", fill=GREY, cls="subtitle")
    # padding (outside the input) and the input itself
    if lo_x < 0 or lo_y < 0 or hi_x > w_in or hi_y > h_in:
        c.rect(X(lo_x), Y(lo_y), float(hi_x - lo_x) * cell, float(hi_y - lo_y) * cell, "#f3f3f3", "#bbbbbb", 0.8,
               "4 3")
    c.rect(X(0), Y(0), w_in * cell, h_in * cell, "#ffffff", "#333333", 1.2, extra=' class="input-grid"')
    for r in range(len(boxes) - 1, -1, -1):
        row, lo, hi = boxes[r]
        colour = RF_COLOURS[min(r * len(RF_COLOURS) // max(len(boxes), 1), len(RF_COLOURS) - 1)] \
            if len(boxes) > 1 else RF_COLOURS[4]
        x0, x1 = lo[dx_dim], hi[dx_dim] + 1
        y0, y1 = (lo[dy_dim], hi[dy_dim] + 1) if dy_dim is not None else (0, 1)
        c.rect(X(x0), Y(y0), float(x1 - x0) * cell, float(y1 - y0) * cell, colour, "#7a2a1a", 1.0,
               extra=f' class="rf" data-node="{escape(row.node)}" fill-opacity="0.85"')
    _grid(c, X, Y, w_in, h_in, cell)
    # the centre pixel of the output's field
    cx = centre[dx_dim]
    cy = centre[dy_dim] if dy_dim is not None else 0
    c.rect(X(cx), Y(cy), cell, cell, "#1d1d1d", extra=' class="centre"')
    # the legend: one line per layer, largest first
    lx = ox + span * cell + 28
    ly = oy + 4
    c.text(lx, ly + 8, "layer", 11, anchor="start", bold=True)
    c.text(lx + 230, ly + 8, "field", 11, anchor="start", bold=True)
    ly += 12
    for r in range(len(boxes) - 1, -1, -1):
        row = boxes[r][0]
        ly += 20
        colour = RF_COLOURS[min(r * len(RF_COLOURS) // max(len(boxes), 1), len(RF_COLOURS) - 1)] \
            if len(boxes) > 1 else RF_COLOURS[4]
        c.rect(lx, ly - 11, 14, 14, colour, "#7a2a1a", 0.8)
        label = row.name or row.node
        kind = _kind_text(row)
        text = f"{label} {kind}" if kind else label
        if text_width(text, 11) > 200:
            text = text[:30] + "…"
        c.text(lx + 20, ly, text, 11, anchor="start", cls="legend")
        c.text(lx + 230, ly, "×".join(str(row.receptive_field[d]) for d in dims2), 11, anchor="start",
               cls="legend")
    ly += 26
    c.text(lx, ly, f"input {shape_label(report.input_shape)}: grid" + (" every pixel" if _step(w_in, h_in) == 1
           else f" every {_step(w_in, h_in)} pixels"), 10.5, anchor="start", fill=GREY, cls="legend")
    if lo_x < 0 or lo_y < 0 or hi_x > w_in or hi_y > h_in:
        c.text(lx, ly + 16, "dashed grey: outside the input (padding)", 10.5, anchor="start", fill=GREY,
               cls="legend")
    c.text(lx, ly + 32, "black: the centre of the field", 10.5, anchor="start", fill=GREY, cls="legend")
    return c.svg(f"receptive field of {name}")


def _kind_text(row) -> str:
    k = row.settings.get("kernel_size")
    s = row.settings.get("stride")
    if k:
        text = f"{row.type} {_dims(k)}"
        if s and any(v != 1 for v in s):
            text += f"/{s[0]}"
        return text
    return row.type


def _step(w: int, h: int) -> int:
    big = max(w, h)
    for step in (1, 2, 4, 8, 16, 32, 64):
        if big / step <= 64:
            return step
    return 128


def _grid(c: Canvas, X, Y, w: int, h: int, cell: float) -> None:
    step = _step(w, h)
    parts = []
    for i in range(0, w + 1, step):
        parts.append(f"M{_n(X(i))} {_n(Y(0))} V{_n(Y(h))}")
    for j in range(0, h + 1, step):
        parts.append(f"M{_n(X(0))} {_n(Y(j))} H{_n(X(w))}")
    c.raw(f'<path d="{" ".join(parts)}" fill="none" stroke="#000000" stroke-opacity="0.18" stroke-width="0.5"/>')


def _find_row(report: Report, node: str):
    for row in report.layers:
        if node in (row.node, row.name, row.path) and not row.block:
            return row
    for row in report.layers:
        if node in (row.node, row.name, row.path):
            return row
    return None


def _ancestors(network, report: Report, target) -> list:
    """The rows of the nodes ``target`` depends on, in order (itself last)."""
    rows = dg.rows_by_node(report)
    alias = dg.aliases(network)
    need = {target.node}
    if target.node in alias:
        need.add(dg.resolve(target.node, alias))
    order = []
    for node in reversed(network.nodes):
        if node.id in need:
            order.append(node.id)
            need.update(dg.resolve(r, alias) for r in node.inputs)
    return [rows[n] for n in reversed(order) if n in rows]
