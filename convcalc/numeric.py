"""Values on small matrices: the notes' first examples (d2l's ``corr2d``, ``corr2d_multi_in``,
``corr2d_multi_in_out`` and ``pool2d``), computed exactly and explained window by window.

Matrices are read from text (:func:`parse_tensor`): ``"0 1 2; 3 4 5; 6 7 8"`` (rows by ``;``,
channels by ``|``), nested lists as JSON or Python write them (``[[0, 1], [2, 3]]``; three levels
are channels, four are filters), or the torch calls the notes use — ``torch.tensor([...])``,
``torch.arange(16).reshape((1, 1, 4, 4))``, ``torch.ones((6, 8))`` — read with ``ast``, never
executed, with ``+ − ×`` by a number. Numbers are exact (:class:`~fractions.Fraction`): ``0.1`` is
one tenth, and an average is a fraction until it is printed.

What the functions compute is what ``torch.nn.functional.conv2d`` / ``max_pool2d`` / ``avg_pool2d``
compute on one sample (zero padding; max pooling ignores the padding, average pooling counts it,
torch's default ``count_include_pad=True``). Inputs are limited to :data:`MAX_SIDE` × :data:`MAX_SIDE`
and :data:`MAX_CHANNELS` channels or filters: the point is to see every number.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

from . import shapes
from .errors import NetworkError, SpecError
from .i18n import _

MAX_SIDE = 32  #: rows and columns of an input or kernel
MAX_CHANNELS = 32  #: channels of an input, filters of a kernel
MAX_TEXT = 200_000  #: characters of a matrix's text
MAX_PRODUCTS = 250_000  #: multiplications (or window elements) one computation may take
MAX_VALUES = MAX_SIDE * MAX_SIDE * MAX_CHANNELS  #: values torch.arange/ones/zeros may make (32,768)

Matrix = list[list[Fraction]]


# -- reading -------------------------------------------------------------------------------------

def parse_tensor(text: str, name: str) -> list:
    """Nested lists of Fractions (2, 3 or 4 levels) from one of the written forms."""
    if len(text) > MAX_TEXT:
        raise SpecError(_("{name}: the text is too long for a small matrix ({n:,} characters; the limit is "
                          "{m:,})").format(name=name, n=len(text), m=MAX_TEXT), hint=_hint_size())
    text = unicodedata.normalize("NFKC", text).replace("−", "-").replace("×", "*").strip()
    if not text:
        raise SpecError(_("{name}: empty").format(name=name), hint=_("e.g. {name} \"0 1 2; 3 4 5; 6 7 8\"").format(
            name=name))
    if _CODE.search(text):
        value = _Reader(name).read(text)
    else:
        value = _rows_text(text, name)
    value = _tolist(value, name)
    _check_rectangular(value, name)
    return value


#: nested lists or torch calls, rather than rows of numbers: a bracket first, or a name called or dotted
_CODE = re.compile(r"^\s*[-+]?\s*[\[(]|[A-Za-z_][A-Za-z_0-9]+\s*[(.]")


def _rows_text(text: str, name: str) -> list:
    """``"0 1 2; 3 4 5 | 1 2 3; 4 5 6"``: channels by ``|``, rows by ``;`` or line breaks, numbers by
    spaces or commas."""
    channels = []
    for part in text.split("|"):
        rows = [r for r in re.split(r"[;\n]", part) if r.strip()]
        matrix = []
        for row in rows:
            cells = [c for c in re.split(r"[,\s]+", row.strip().strip("[]()")) if c]
            matrix.append([_number(c, name) for c in cells])
        if not matrix:
            raise SpecError(_("{name}: a channel has no rows").format(name=name),
                            hint=_("separate channels with |, rows with ;"))
        channels.append(matrix)
    return channels[0] if len(channels) == 1 else channels


def _number(token: str, name: str) -> Fraction:
    try:
        if token.lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
            raise ValueError
        return Fraction(token)
    except (ValueError, ZeroDivisionError):
        raise SpecError(_("{name}: {token!r} is not a number").format(name=name, token=token),
                        hint=_("write numbers such as 0, -1, 0.5 or 1/3")) from None


class _Reader:
    """The torch calls and literals the notes write, evaluated over a whitelist of ``ast`` nodes."""

    FUNCS = ("tensor", "arange", "ones", "zeros", "Tensor", "FloatTensor")

    def __init__(self, name: str):
        self.name = name

    def fail(self, what: str) -> SpecError:
        return SpecError(_("{name}: cannot read {what}").format(name=self.name, what=what),
                         hint=_("write nested lists ([[0, 1], [2, 3]]), rows (\"0 1; 2 3\") or torch.tensor(...), "
                                "torch.arange(n).reshape(...), torch.ones(...), torch.zeros(...)"))

    def read(self, text: str):
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise self.fail(repr(text[:40]) + (f" ({exc.msg})" if exc.msg else "")) from None
        except (RecursionError, MemoryError, ValueError):
            raise self.fail(_("the text (nested too deeply)")) from None
        return self.value(tree.body)

    def value(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(repr(node.value))
            return _number(repr(node.value), self.name)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.value(node.operand)
            return _map(v, lambda x: -x) if isinstance(node.op, ast.USub) else v
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self.value(node.left), self.value(node.right)
            if not (isinstance(base, Fraction) and isinstance(exponent, Fraction) and exponent.denominator == 1
                    and abs(exponent) <= 64 and abs(base.numerator) < 10 ** 6 and (base or exponent >= 0)):
                raise self.fail(ast.unparse(node))
            return base ** int(exponent)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = self.value(node.left), self.value(node.right)
            op = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
                  ast.Div: lambda x, y: x / y}[type(node.op)]
            if isinstance(a, Fraction) and isinstance(b, Fraction):
                if isinstance(node.op, ast.Div) and b == 0:
                    raise self.fail(ast.unparse(node))
                return op(a, b)
            if isinstance(b, Fraction) and not (isinstance(node.op, ast.Div) and b == 0):
                return _map(a, lambda x: op(x, b))
            if isinstance(a, Fraction) and not isinstance(node.op, ast.Div):
                return _map(b, lambda y: op(a, y))
            raise self.fail(ast.unparse(node) + " " + _("(only a number may be added to, subtracted from or "
                                                          "multiplied with a matrix)"))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(repr(ast.unparse(node)))

    def call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("reshape", "view") and not _is_module(func.value):
            return _reshape(self.value(func.value), self.sizes(node), self.name)
        if isinstance(func, ast.Attribute) and func.attr in ("float", "double", "int", "clone") and not node.args \
                and not _is_module(func.value):
            return self.value(func.value)
        fname = func.attr if isinstance(func, ast.Attribute) and _is_module(func.value) else (
            func.id if isinstance(func, ast.Name) else None)
        if fname not in self.FUNCS:
            raise self.fail(repr(ast.unparse(func)))
        for kw in node.keywords:
            if kw.arg not in ("dtype", "requires_grad", "device"):
                raise self.fail(f"{kw.arg}=")
        if fname in ("tensor", "Tensor", "FloatTensor"):
            if len(node.args) != 1:
                raise self.fail(ast.unparse(node))
            return self.value(node.args[0])
        if fname == "arange":
            bounds = [self.value(a) for a in node.args]
            if not 1 <= len(bounds) <= 3 or not all(isinstance(b, Fraction) for b in bounds):
                raise self.fail(ast.unparse(node))
            start, stop, step = (Fraction(0), bounds[0], Fraction(1)) if len(bounds) == 1 else (
                bounds[0], bounds[1], bounds[2] if len(bounds) == 3 else Fraction(1))
            if step == 0:
                raise self.fail(ast.unparse(node))
            count = max(0, -(-(stop - start) // step))
            if count > MAX_VALUES:
                raise SpecError(_("{name}: {n:,} values are too many for a small matrix (the limit is {m:,})").format(
                    name=self.name, n=count, m=MAX_VALUES), hint=_hint_size())
            return [start + i * step for i in range(int(count))]
        sizes = self.sizes(node)
        if not sizes or any(s < 1 for s in sizes):
            raise self.fail(ast.unparse(node))
        total = 1
        for s in sizes:
            total *= s
        if total > MAX_VALUES:
            raise SpecError(_("{name}: {n:,} values are too many for a small matrix (the limit is {m:,})").format(
                name=self.name, n=total, m=MAX_VALUES), hint=_hint_size())
        return _reshape([Fraction(1 if fname == "ones" else 0)] * total, sizes, self.name)

    def sizes(self, node: ast.Call) -> list[int]:
        """``reshape(4, 4)`` or ``reshape((1, 1, 4, 4))``."""
        if len(node.args) == 1 and isinstance(node.args[0], (ast.Tuple, ast.List)):
            return [self.int_arg(e) for e in node.args[0].elts]
        return [self.int_arg(a) for a in node.args]

    def int_arg(self, node) -> int:
        v = self.value(node)
        if not isinstance(v, Fraction) or v.denominator != 1:
            raise self.fail(ast.unparse(node))
        return int(v)


def _is_module(node) -> bool:
    return isinstance(node, ast.Name) and node.id in ("torch", "np", "numpy", "d2l")


def _map(value, f):
    return [_map(v, f) for v in value] if isinstance(value, list) else f(value)


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, list) else [value]


def _reshape(value, sizes: list[int], name: str) -> list:
    flat = _flat(value)
    if -1 in sizes:
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        if sizes.count(-1) > 1 or known == 0 or len(flat) % known:
            raise SpecError(_("{name}: cannot reshape {n} values to {sizes}").format(name=name, n=len(flat),
                                                                                     sizes=tuple(sizes)))
        sizes = [len(flat) // known if s == -1 else s for s in sizes]
    total = 1
    for s in sizes:
        total *= s
    if total != len(flat) or any(s < 1 for s in sizes):
        raise SpecError(_("{name}: cannot reshape {n} values to {sizes}").format(name=name, n=len(flat),
                                                                                 sizes=tuple(sizes)))

    def build(flat_part: list, dims_: list[int]):
        if len(dims_) == 1:
            return list(flat_part)
        step = len(flat_part) // dims_[0]
        return [build(flat_part[i * step:(i + 1) * step], dims_[1:]) for i in range(dims_[0])]

    return build(flat, sizes)


def _tolist(value, name: str) -> list:
    if isinstance(value, Fraction):
        return [[value]]
    if value and all(isinstance(v, Fraction) for v in value):
        return [value]  # one row
    return value


def _shape_of(value) -> tuple[int, ...]:
    return (len(value), *_shape_of(value[0])) if isinstance(value, list) and value else (
        (0,) if isinstance(value, list) else ())


def _check_rectangular(value, name: str) -> None:
    shape = _shape_of(value)
    if 0 in shape:
        raise SpecError(_("{name}: empty").format(name=name))

    def walk(v, dims_):
        if not dims_:
            if isinstance(v, list):
                raise SpecError(_("{name}: the rows are not all the same length").format(name=name))
            return
        if not isinstance(v, list) or len(v) != dims_[0]:
            raise SpecError(_("{name}: the rows are not all the same length").format(name=name),
                            hint=_("every row needs as many numbers, every channel as many rows"))
        for e in v:
            walk(e, dims_[1:])

    walk(value, shape)
    if not 2 <= len(shape) <= 4:
        raise SpecError(_("{name}: a matrix has 2 levels of lists (3: channels, 4: filters), got {n}").format(
            name=name, n=len(shape)))
    if shape[-1] > MAX_SIDE or shape[-2] > MAX_SIDE:
        raise SpecError(_("{name} is {h}x{w}: convcalc computes values up to {m}x{m}").format(
            name=name, h=shape[-2], w=shape[-1], m=MAX_SIDE), hint=_hint_size())
    if any(s > MAX_CHANNELS for s in shape[:-2]):
        raise SpecError(_("{name} has {shape} values: convcalc computes values for up to {m} channels and "
                          "{m} filters").format(name=name, shape="x".join(map(str, shape)), m=MAX_CHANNELS),
                        hint=_hint_size())


def _hint_size() -> str:
    return _("for larger inputs, `convcalc shape` gives the shapes and counts without the values")


def parse_pair(text: str | None, name: str, default: tuple[int, int] | None, minimum: int) -> tuple[int, int]:
    """``2``, ``3x2``, ``(3, 2)``, ``3,2`` → (rows, columns)."""
    if text is None:
        if default is None:
            raise SpecError(_("{name} is required").format(name=name))
        return default
    cleaned = unicodedata.normalize("NFKC", text).strip().strip("()[]")
    parts = [p for p in re.split(r"[x*,\s]+", cleaned) if p]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        values *= 2
    if len(values) != 2 or any(v < minimum for v in values):
        raise SpecError(_("{name}: expected one number or two (rows x columns), at least {m}, got {text!r}").format(
            name=name, m=minimum, text=text), hint=_("e.g. {name} 2, {name} 3x2 or {name} \"(3, 2)\"").format(
            name=name))
    return values[0], values[1]


# -- computing -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Window:
    """One output element: where it is, the numbers that made it, and the value."""

    index: tuple[int, ...]  #: (filter or channel, row, column)
    terms: tuple[tuple[tuple[Fraction, ...], tuple[Fraction, ...] | None], ...]  #: per input channel: x's, k's
    value: Fraction
    padding: tuple[bool, ...] = ()  #: per x element of the first channel: does it lie in the padding


@dataclass(frozen=True, slots=True)
class Result:
    op: str  #: corr2d, max, avg
    input_shape: tuple[int, int, int]  #: C, H, W
    kernel_shape: tuple[int, ...]  #: FN, C, FH, FW (corr2d) or FH, FW (pool)
    stride: tuple[int, int]
    padding: tuple[int, int]
    output: list  #: FN (or C) × OH × OW
    squeeze: bool  #: show the output as one matrix (d2l's corr2d/corr2d_multi_in return 2-D)
    windows: list[Window] = field(default_factory=list)
    bias: tuple[Fraction, ...] | None = None
    stride_defaulted: bool = False  #: pool: the stride was not given and is the kernel size

    @property
    def output_shape(self) -> tuple[int, ...]:
        shape = _shape_of(self.output)
        return shape[1:] if self.squeeze else shape

    def values(self) -> list:
        return self.output[0] if self.squeeze else self.output


def _as_chw(value: list, name: str) -> list:
    shape = _shape_of(value)
    if len(shape) == 2:
        return [value]
    if len(shape) == 3:
        return value
    if shape[0] != 1:
        raise SpecError(_("{name} has a batch of {n}: convcalc computes one sample (N = 1) at a time").format(
            name=name, n=shape[0]), hint=_("give one sample: C x H x W, or H x W for one channel"))
    return value[0]


def corr2d(x: list, k: list, *, stride=(1, 1), padding=(0, 0), bias: list | None = None,
           keep_windows: bool = False) -> Result:
    """d2l's cross-correlation: ``corr2d`` (2-D X and K), ``corr2d_multi_in`` (C channels, K with C
    matrices: the per-channel results summed) and ``corr2d_multi_in_out`` (K with FN filters of C
    matrices: FN output channels), with torch's stride and zero padding, plus an optional bias."""
    xs = _as_chw(x, "X")
    c = len(xs)
    kshape = _shape_of(k)
    if len(kshape) == 4:
        filters, squeeze = k, False
    elif len(kshape) == 3:
        filters, squeeze = [k], True
    else:
        filters, squeeze = [[k]], True
    fc = len(filters[0])
    if fc != c:
        if len(kshape) == 2:
            hint = _("give K one matrix per input channel: a list of {c} matrices (d2l's corr2d_multi_in)").format(c=c)
        elif len(kshape) == 3 and c == 1:
            hint = _("for {n} filters on a one-channel X, write K with four levels: [[[...]], [[...]], ...] (one "
                     "list of 1 matrix per filter)").format(n=kshape[0])
        else:
            hint = _("a filter has one matrix per input channel: K needs {c} matrices per filter").format(c=c)
        raise NetworkError(_("X has {c} channels but each filter of K has {fc}: a filter's channels must equal the "
                             "input's").format(c=c, fc=fc), hint=hint)
    h, w = len(xs[0]), len(xs[0][0])
    fh, fw = len(filters[0][0]), len(filters[0][0][0])
    (sh, sw), (ph, pw) = stride, padding
    if h + 2 * ph < fh or w + 2 * pw < fw:
        raise NetworkError(_("kernel {fh}x{fw} is larger than the padded input {h}x{w}").format(
            fh=fh, fw=fw, h=h + 2 * ph, w=w + 2 * pw), hint=_("use a smaller kernel, more padding, or a larger input"))
    biases = None
    if bias is not None:
        biases = tuple(bias) if len(bias) > 1 else tuple(bias) * len(filters)
        if len(biases) != len(filters):
            raise SpecError(_("--bias gives {n} values for {f} filters").format(n=len(bias), f=len(filters)),
                            hint=_("one number for all filters, or one per filter"))
    oh = shapes.conv_output_size(h, fh, sh, ph)
    ow = shapes.conv_output_size(w, fw, sw, pw)
    _budget(len(filters) * oh * ow * c * fh * fw)
    cells = c * (h + 2 * ph) * (w + 2 * pw)  # the padded X is written out (a pool's padding is at most half its
    if cells > MAX_PRODUCTS:                  # kernel, so the budget above bounds it; a conv's is not)
        raise SpecError(_("the padded X is {h}x{w}, {n:,} values: convcalc computes values for small examples (up "
                          "to {m:,})").format(h=h + 2 * ph, w=w + 2 * pw, n=cells, m=MAX_PRODUCTS),
                        hint=_hint_size())
    padded = [_pad(ch, ph, pw, Fraction(0)) for ch in xs]
    inside = _pad([[True] * w for _ in range(h)], ph, pw, False)
    out, windows = [], []
    for f, kernel in enumerate(filters):
        plane = []
        for i in range(oh):
            row = []
            for j in range(ow):
                r0, c0 = i * sh, j * sw
                terms = []
                total = Fraction(0)
                for ch in range(c):
                    xv = tuple(padded[ch][r0 + a][c0 + b] for a in range(fh) for b in range(fw))
                    kv = tuple(kernel[ch][a][b] for a in range(fh) for b in range(fw))
                    total += sum(p * q for p, q in zip(xv, kv))
                    terms.append((xv, kv))
                if biases is not None:
                    total += biases[f]
                row.append(total)
                if keep_windows:
                    pad = tuple(not inside[r0 + a][c0 + b] for a in range(fh) for b in range(fw))
                    windows.append(Window((f, i, j), tuple(terms), total, pad))
            plane.append(row)
        out.append(plane)
    return Result("corr2d", (c, h, w), (len(filters), c, fh, fw), (sh, sw), (ph, pw), out, squeeze, windows, biases)


def pool2d(x: list, kernel: tuple[int, int], *, stride: tuple[int, int] | None = None, padding=(0, 0),
           mode: str = "max", keep_windows: bool = False) -> Result:
    """Max or average pooling of each channel on its own (the channels are kept, never summed), as
    ``F.max_pool2d`` / ``F.avg_pool2d`` with torch's defaults: stride = kernel, padding ignored by max and
    counted by the average."""
    xs = _as_chw(x, "X")
    squeeze = len(_shape_of(x)) == 2
    c, h, w = len(xs), len(xs[0]), len(xs[0][0])
    (fh, fw), (ph, pw) = kernel, padding
    defaulted = stride is None
    sh, sw = stride or kernel
    if ph > fh // 2 or pw > fw // 2:
        raise NetworkError(_("padding {p} is more than half the kernel {k} (torch allows at most {a})").format(
            p=f"{ph}x{pw}", k=f"{fh}x{fw}", a=f"{fh // 2}x{fw // 2}"), hint=_("use padding ≤ {a}").format(
            a=f"{fh // 2}x{fw // 2}"))
    if h + 2 * ph < fh or w + 2 * pw < fw:
        raise NetworkError(_("kernel {fh}x{fw} is larger than the padded input {h}x{w}").format(
            fh=fh, fw=fw, h=h + 2 * ph, w=w + 2 * pw), hint=_("use a smaller kernel, more padding, or a larger input"))
    oh = shapes.pool_output_size(h, fh, sh, ph)
    ow = shapes.pool_output_size(w, fw, sw, pw)
    _budget(c * oh * ow * fh * fw)
    inside = _pad([[True] * w for _ in range(h)], ph, pw, False)
    out, windows = [], []
    for ch in range(c):
        padded = _pad(xs[ch], ph, pw, Fraction(0))
        plane = []
        for i in range(oh):
            row = []
            for j in range(ow):
                r0, c0 = i * sh, j * sw
                cells = [(padded[r0 + a][c0 + b], inside[r0 + a][c0 + b]) for a in range(fh) for b in range(fw)]
                if mode == "max":
                    value = max(v for v, real in cells if real)
                else:
                    value = sum((v for v, _ in cells), Fraction(0)) / (fh * fw)
                row.append(value)
                if keep_windows:
                    windows.append(Window((ch, i, j), ((tuple(v for v, _ in cells), None),), value,
                                          tuple(not real for _, real in cells)))
            plane.append(row)
        out.append(plane)
    return Result(mode, (c, h, w), (fh, fw), (sh, sw), (ph, pw), out, squeeze, windows, None, defaulted)


def _budget(products: int) -> None:
    if products > MAX_PRODUCTS:
        raise SpecError(_("that is {n:,} multiplications: convcalc computes values for small examples (up to "
                          "{m:,})").format(n=products, m=MAX_PRODUCTS), hint=_hint_size())


def _pad(matrix: list, ph: int, pw: int, fill) -> list:
    w = len(matrix[0]) + 2 * pw
    rows = [[fill] * w for _ in range(ph)]
    return rows + [[fill] * pw + list(r) + [fill] * pw for r in matrix] + [[fill] * w for _ in range(ph)]


# -- showing -------------------------------------------------------------------------------------

def number(x: Fraction) -> str:
    """``19``, ``2.5``, ``-0.25``; a fraction without a finite decimal of at most 12 places as 6 significant digits
    (of any magnitude: ``1e+400``)."""
    if x.denominator == 1:
        return str(x.numerator)
    d, twos, fives = x.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    places = max(twos, fives)
    if d == 1 and places <= 12:  # exact, written out from integers (a float would overflow past 1e308)
        digits = str(abs(x.numerator) * 10 ** places // x.denominator).rjust(places + 1, "0")
        return f"{'-' if x < 0 else ''}{digits[:-places]}.{digits[-places:]}".rstrip("0")
    return _significant(x)


def _significant(x: Fraction) -> str:
    """``x`` to 6 significant digits, of any magnitude (``3.33333e+399``: past a float's range too)."""
    try:
        return f"{float(x):.6g}"
    except OverflowError:
        from decimal import Decimal, localcontext

        with localcontext() as context:
            context.prec = 7
            return f"{(Decimal(x.numerator) / Decimal(x.denominator)).normalize():.6g}"


def to_json_number(x: Fraction) -> int | float:
    if x.denominator == 1:
        return x.numerator
    try:
        return float(x)
    except OverflowError:
        raise SpecError(_("the value {x} is beyond the range of a JSON number with a fraction").format(
            x=_significant(x)), hint=_("leave out --json to see the values")) from None


def format_tensor(value: list) -> str:
    """Nested lists printed as torch prints a tensor's values: one row a line, numbers aligned."""
    cells = [number(x) for x in _flat(value)]
    width = max(len(s) for s in cells)
    depth = len(_shape_of(value))
    it = iter(cells)

    def render(v, level: int) -> str:
        if level == depth - 1:
            return "[" + ", ".join(next(it).rjust(width) for _ in v) + "]"
        inner = [render(e, level + 1) for e in v]
        sep = "," + "\n" * (depth - 1 - level) + " " * (level + 1)
        return "[" + sep.join(inner) + "]"

    return render(value, 0)


def _term(v: Fraction) -> str:
    s = number(v)
    return f"({s.replace('-', '−')})" if v < 0 else s


def _plain(v: Fraction) -> str:
    return number(v).replace("-", "−")


def index_label(result: Result, index: tuple[int, ...]) -> str:
    f, i, j = index
    many = len(result.output) > 1 or not result.squeeze
    return f"Y[{f}][{i},{j}]" if many else f"Y[{i},{j}]"


def window_line(result: Result, window: Window) -> str:
    """``Y[0,0] = 0·0 + 1·1 + 3·2 + 4·3 = 19``; channels summed in parentheses; ``max(…)``, ``(… )/4``."""
    label = index_label(result, window.index)
    if result.op == "corr2d":
        sums = [" + ".join(f"{_term(a)}·{_term(b)}" for a, b in zip(xv, kv)) for xv, kv in window.terms]
        if len(sums) == 1:
            text = sums[0]
            parts = None
        else:
            text = " + ".join(f"({s})" for s in sums)
            parts = [sum((a * b for a, b in zip(xv, kv)), Fraction(0)) for xv, kv in window.terms]
        if result.bias is not None:
            text += f" + {_term(result.bias[window.index[0]])}"
        line = f"{label} = {text}"
        if parts is not None:
            line += " = " + " + ".join(_term(p) for p in parts) + (
                f" + {_term(result.bias[window.index[0]])}" if result.bias is not None else "")
        return f"{line} = {_plain(window.value)}"
    values = window.terms[0][0]
    if result.op == "max":
        real = [v for v, pad in zip(values, window.padding) if not pad]
        skipped = len(values) - len(real)
        note = " " + _("({n} padding cells left out)").format(n=skipped) if skipped else ""
        return f"{label} = max({', '.join(_plain(v) for v in real)}) = {_plain(window.value)}{note}"
    total = " + ".join(_term(v) for v in values)
    return f"{label} = ({total})/{len(values)} = {_plain(window.value)}"


def explain_lines(result: Result) -> list[str]:
    """The size formula in the notes' notation, then every output element's window."""
    from .explain import coverage_text, size_formula

    c, h, w = result.input_shape
    fh, fw = result.kernel_shape[-2:]
    (sh, sw), (ph, pw) = result.stride, result.padding
    lines = []
    if result.op == "corr2d":
        fn = result.kernel_shape[0]
        lines.append(_("cross-correlation (what nn.Conv2d computes; a convolution would first flip K): each output "
                       "element is the sum of the window times K, elementwise"))
        if c > 1:
            lines.append(_("{c} input channels: one matrix of K per channel, the {c} results added (d2l's "
                           "corr2d_multi_in)").format(c=c))
        if fn > 1 or not result.squeeze:
            lines.append(_("{fn} filters: one output channel per filter (d2l's corr2d_multi_in_out)").format(fn=fn))
    else:
        lines.append(_("max pooling: the largest value of each window, each channel on its own")
                     if result.op == "max" else
                     _("average pooling: the mean of each window (padding counted as 0), each channel on its own"))
        if result.stride_defaulted:
            lines.append(default_stride_note(result.kernel_shape))
    lines.append(size_formula((h, w), (fh, fw), (sh, sw), ((ph, ph), (pw, pw)), (1, 1)))
    out = result.output_shape[-2:]
    uncovered = coverage_text((c, h, w), (c, *out), (fh, fw), (sh, sw), ((ph, ph), (pw, pw)), (1, 1), 2)
    if uncovered:
        lines.append(uncovered)
    lines += [window_line(result, win) for win in result.windows]
    return lines


def default_stride_note(kernel: tuple[int, int]) -> str:
    k = "x".join(map(str, kernel)) if kernel[0] != kernel[1] else str(kernel[0])
    return _("stride = kernel size ({k}), as nn.MaxPool2d and nn.AvgPool2d default; d2l's pool2d slides by 1: "
             "add --stride 1 for it").format(k=k)


def to_dict(result: Result, explain: bool = False) -> dict:
    d = {
        "schema": f"convcalc.{'corr2d' if result.op == 'corr2d' else 'pool'}/1",
        "op": result.op, "input_shape": list(result.input_shape), "kernel_shape": list(result.kernel_shape),
        "stride": list(result.stride), "padding": list(result.padding),
        "output_shape": list(result.output_shape), "output": _map(result.values(), to_json_number),
    }
    if result.bias is not None:
        d["bias"] = [to_json_number(b) for b in result.bias]
    if explain:
        d["explain"] = explain_lines(result)
    return d
