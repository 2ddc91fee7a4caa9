"""--explain: each layer's arithmetic in the notes' notation, with its numbers put in.

The notation is the one of the course notes ("Deep Learning from Scratch", d2l, Li Hongyi):
input H×W, filter FH×FW, padding P, stride S, output ``OH = (H + 2P − FH)/S + 1``; C input
channels, FN filters; weights per filter ``C·FH·FW``, in all ``C·FH·FW·FN + FN``; MACs = weights ×
output positions. d2l counts padding in total over both sides (``p_h``), torch per side (``P``):
both are given.

One function per question, each returning one line (parts joined by ``; ``) or None:
:func:`shape` (sizes, channels, padding, the default pool stride, rows no window covers, a merge's
sums), :func:`params` (weights, bias, MACs, the dense comparison) and :func:`receptive`. Every
word goes through :func:`convcalc.i18n._`, so ``--lang zh`` gives the same arithmetic in Chinese.
"""

from __future__ import annotations

import math
from fractions import Fraction

from . import layers as L
from . import shapes
from .i18n import _

#: symbols of the spatial dims, by number of dims: input sizes; the kernel's are F + these, the output's O + these
SIZE_SYMBOLS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
#: d2l's names for the total padding of each dim
D2L_PADDING = {1: ("p",), 2: ("p_h", "p_w"), 3: ("p_d", "p_h", "p_w")}


def _n(x) -> str:
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _decimal(x: Fraction) -> str:
    """A fraction that is not whole, as a decimal that does not look whole: 12.5, 2.99998, 4.333333."""
    for digits in (6, 9, 12, 17):
        text = f"{float(x):.{digits}g}"
        if "." in text or "e" in text:
            return text
    return str(x)


def _dot(values) -> str:
    return "·".join(str(v) for v in values)


def _join(parts: list[str | None]) -> str | None:
    parts = [p for p in parts if p]
    return "; ".join(parts) if parts else None


# -- output size --------------------------------------------------------------------------------

def _one_dim(size: int, left: int, right: int, k: int, s: int, d: int, ceil_mode: bool = False,
             drop_start: int | None = None) -> tuple[str, str, int]:
    """(symbolic middle, numbers, result) of one dim: ``(H + 2P − FH)/S + 1``, ``(28 + 2·2 − 5)/1 + 1 = 28``."""
    pad = f"2·{left}" if left == right else f"{left} + {right}"
    kernel = f"{k}" if d == 1 else f"{d}·({k} − 1) − 1"
    numerator = size + left + right - shapes.effective_kernel(k, d)
    text = f"({size} + {pad} − {kernel})/{s} + 1"
    exact = Fraction(numerator, s) + 1
    if exact.denominator == 1:
        return pad, f"{text} = {exact.numerator}", exact.numerator
    rounded = -(-numerator // s) + 1 if ceil_mode else numerator // s + 1
    text += f" = {_decimal(exact)} → {'ceil' if ceil_mode else 'floor'} {rounded}"
    if ceil_mode and drop_start is not None and (rounded - 1) * s >= drop_start:
        rounded -= 1
        text += ", " + _("less the window that would start in the right padding = {n}").format(n=rounded)
    return pad, text, rounded


def size_formula(sizes, kernel, stride, pads, dilation, ceil_mode: bool = False, drop_starts=None,
                 symbols: tuple[str, ...] | None = None) -> str:
    """``OH = OW = (H + 2P − FH)/S + 1 = (28 + 2·2 − 5)/1 + 1 = 28`` (one formula per dim where they differ).

    ``pads`` is (before, after) per dim; ``drop_starts`` (ceil mode) where a last window may not start."""
    ndim = len(sizes)
    symbols = symbols or SIZE_SYMBOLS.get(ndim, tuple(f"N{i}" for i in range(ndim)))
    rows = []
    for i, (size, k, s, (left, right), d) in enumerate(zip(sizes, kernel, stride, pads, dilation)):
        drop = drop_starts[i] if drop_starts else None
        _pad, numbers, _result = _one_dim(size, left, right, k, s, d, ceil_mode, drop)
        sym = symbols[i]
        padding = "2P" if left == right else "P₁ + P₂"
        kern = f"F{sym}" if d == 1 else f"d·(F{sym} − 1) − 1"
        rows.append((f"O{sym}", f"({sym} + {padding} − {kern})/S + 1", numbers))
    if len({r[2] for r in rows}) == 1 and len({r[1].replace(symbols[i], "#") for i, r in enumerate(rows)}) == 1:
        return f"{' = '.join(r[0] for r in rows)} = {rows[0][1]} = {rows[0][2]}"
    return "; ".join(f"{o} = {sym} = {numbers}" for o, sym, numbers in rows)


def solve_formula(size: int, setting, asked: dict) -> str:
    """One of ``convcalc solve``'s answers put back into the formula, as a check."""
    k, s, p, d = setting.kernel, setting.stride, setting.padding, setting.dilation
    if p == "same":
        return f"OH = ceil(H/S) = ceil({size}/{s}) = {-(-size // s)}"
    if p == "valid":
        e = shapes.effective_kernel(k, d)
        return f"OH = ceil((H − FH + 1)/S) = ceil(({size} − {e} + 1)/{s}) = {-(-(size - e + 1) // s)}"
    ceil_mode = bool(asked.get("pool")) and (asked.get("ceil_mode") or asked.get("convention") == "caffe")
    return size_formula((size,), (k,), (s,), ((p, p),), (d,), ceil_mode, [size + p], symbols=("H",))


def _count(n: int, dim: int, ndim: int) -> str:
    names = {1: ["element"], 2: ["row", "column"], 3: ["plane", "row", "column"]}[ndim]
    name = names[dim]
    singular = {"element": _("{n} element"), "row": _("{n} row"), "column": _("{n} column"),
                "plane": _("{n} plane")}[name]
    plural = {"element": _("{n} elements"), "row": _("{n} rows"), "column": _("{n} columns"),
              "plane": _("{n} planes")}[name]
    return (singular if n == 1 else plural).format(n=n)


def _and(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return _("{t_a} and {t_b}").format(t_a=", ".join(parts[:-1]), t_b=parts[-1])


def coverage(size: int, kernel: int, stride: int, left: int, right: int, dilation: int, out: int
             ) -> tuple[int, int, int]:
    """Per dim: (input pixels after the last window, input pixels skipped between or inside windows,
    padding pixels no window reaches), from the positions the ``out`` windows actually read."""
    padded = size + left + right
    if out < 1 or padded < 1:
        return 0, 0, 0
    e = shapes.effective_kernel(kernel, dilation)
    last = (out - 1) * stride + e - 1  # the last position read
    if e >= stride and dilation == 1:  # contiguous windows: only the end can be missed
        trailing = max(0, min(left + size, padded) - max(last + 1, left))
        return trailing, 0, max(0, padded - last - 1) - trailing
    if out * kernel > 2 * 10 ** 6 or padded > 2 * 10 ** 6:
        return 0, 0, 0  # too large to walk; a network never gets here
    covered = bytearray(padded)
    for j in range(out):
        for i in range(kernel):
            p = j * stride + i * dilation
            if p < padded:
                covered[p] = 1
    trailing = skipped = pad = 0
    for p in range(padded):
        if covered[p]:
            continue
        if left <= p < left + size:
            if p > last:
                trailing += 1
            else:
                skipped += 1
        else:
            pad += 1
    return trailing, skipped, pad


def coverage_text(x: L.Shape, out: L.Shape, kernel, stride, pads, dilation, ndim: int) -> str | None:
    """Which rows/columns no window covers, and why: the floor drops the last ones; a window shorter than
    the stride (or a dilated one) skips some; only padding is lost."""
    found = [coverage(i, k, s, lr[0], lr[1], d, o) for i, o, k, s, lr, d in
             zip(x[1:], out[1:], kernel, stride, pads, dilation)]
    trailing = [_count(t, i, ndim) for i, (t, _s, _p) in enumerate(found) if t]
    skipped = [_count(s, i, ndim) for i, (_t, s, _p) in enumerate(found) if s]
    padding = [_count(p, i, ndim) for i, (_t, _s, p) in enumerate(found) if p]
    parts = []
    if skipped:
        reasons = []
        for i, ((_t, s, _p), k, st, d) in enumerate(zip(found, kernel, stride, dilation)):
            if not s:
                continue
            e = shapes.effective_kernel(k, d)
            reasons.append(_("window {e} < stride {s}").format(e=e, s=st) if e < st else
                           _("dilation {d} leaves gaps").format(d=d))
        parts.append(_("{what} of the input skipped between windows ({why}): never covered").format(
            what=_and(skipped), why=", ".join(dict.fromkeys(reasons))))
    if trailing:
        parts.append(_("the last {what} of the input never covered: the floor drops them").format(what=_and(trailing)))
    if padding and not trailing and not skipped:
        parts.append(_("only padding is left uncovered ({what}), no input pixel").format(what=_and(padding)))
    return "; ".join(parts) or None


def _padding_text(pads, ndim: int, layer: L.Layer) -> str | None:
    """``P = 2 on each side: d2l's total padding p_h = p_w = 4``."""
    if all(a == 0 and b == 0 for a, b in pads):
        return None
    names = D2L_PADDING.get(ndim, tuple(f"p{i}" for i in range(ndim)))
    totals = [a + b for a, b in pads]
    if len(set(totals)) == 1:
        d2l = " = ".join(names) + f" = {totals[0]}"
    else:
        d2l = ", ".join(f"{n} = {t}" for n, t in zip(names, totals))
    if all(a == b for a, b in pads):
        per_side = _collapse(tuple(a for a, _b in pads))
        text = _("P = {p} on each side: d2l's total padding {d2l}").format(p=per_side, d2l=d2l)
    else:
        before, after = (_collapse(tuple(side)) for side in zip(*pads))
        text = _("padding {before} before and {after} after (the extra on the right/bottom): d2l's total "
                 "{d2l}").format(before=before, after=after, d2l=d2l)
    if getattr(layer, "padding", None) == "same":
        text = "padding='same': " + text
    return text


def _collapse(values: tuple[int, ...]) -> str:
    """``2`` for (2, 2), ``2x1`` for (2, 1)."""
    return str(values[0]) if len(set(values)) == 1 else L.dims(values)


def _kept(c: int) -> str:
    return (_("1 channel kept") if c == 1 else _("{c} channels kept: each channel on its own").format(c=c))


def _filters(fn: int) -> str:
    return _("1 filter → 1 output channel") if fn == 1 else _("{fn} filters → {fn} output channels").format(fn=fn)


def shape(layer: L.Layer, x: L.Shape, effect: L.Effect, convention: str, inputs: list[L.Shape] | None = None
          ) -> str | None:
    out = effect.output_shape
    if isinstance(layer, L.Merge):
        return _merge(layer, inputs or [x], out)
    if isinstance(layer, L.Conv):
        left, right = L.string_padding(layer, layer.padding, layer.kernel_size, layer.stride, layer.dilation, x,
                                       convention)
        pads = tuple(zip(left, right))
        groups = layer.groups
        channels = (_filters(layer.out_channels) if groups == 1 else
                    _("{fn} filters in {g} groups (each filter sees {cg} of the {c} input channels) → {fn} output "
                      "channels").format(fn=layer.out_channels, g=groups, cg=x[0] // groups, c=x[0]))
        return _join([
            size_formula(x[1:], layer.kernel_size, layer.stride, pads, layer.dilation),
            channels,
            _padding_text(pads, layer.ndim, layer),
            coverage_text(x, out, layer.kernel_size, layer.stride, pads, layer.dilation, layer.ndim),
        ])
    if isinstance(layer, L.ConvTranspose):
        sizes = "; ".join(f"({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {o}" for i, k, s, p, d, op, o in zip(
            x[1:], layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.output_padding, out[1:]))
        if len(set(sizes.split("; "))) == 1:
            sizes = sizes.split("; ")[0]
        return _join([sizes, _filters(layer.out_channels)])
    if isinstance(layer, L._Pool) and isinstance(effect.receptive, L.Window):
        w = effect.receptive
        default = None
        if getattr(layer, "stride", 0) is None:
            k = w.kernel[0] if len(set(w.kernel)) == 1 else L.dims(w.kernel)
            default = _("S = {k}: a pool's stride defaults to its kernel size (d2l's pool2d slides by 1)").format(k=k)
        if isinstance(getattr(layer, "padding", 0), str):
            sizes = "; ".join(f"ceil({i}/{s}) = {o}" if layer.padding == "same" else f"ceil(({i} − {k} + 1)/{s}) = {o}"
                              for i, k, s, o in zip(x[1:], w.kernel, w.stride, out[1:]))
            if len(set(sizes.split("; "))) == 1:
                sizes = sizes.split("; ")[0]
            return _join([sizes, default, _kept(x[0])])
        ceil_mode = getattr(layer, "ceil_mode", False) or convention == "caffe"
        pads = tuple((p, p) for p in w.padding)
        return _join([
            size_formula(x[1:], w.kernel, w.stride, pads, w.dilation, ceil_mode,
                         [i + p for i, p in zip(x[1:], w.padding)]),
            default,
            _kept(x[0]),
            _padding_text(pads, layer.ndim, layer),
            None if ceil_mode else coverage_text(x, out, w.kernel, w.stride, pads, w.dilation, layer.ndim),
        ])
    if isinstance(layer, L.AdaptivePool):
        text = _("output_size {out}, whatever the input {x}").format(out=L.dims(out[1:]), x=L.dims(x[1:]))
        if all(o == 1 for o in out[1:]):
            text += " " + _("(global pooling: one window over the whole {x} map)").format(x=L.dims(x[1:]))
        return _join([text, _kept(x[0])])
    if isinstance(layer, (L.Flatten, L.Reshape)):  # nn.Flatten, x.view(batch_size, -1)
        if len(out) == 1:
            symbols = {2: "C·L", 3: "C·H·W", 4: "C·D·H·W"}.get(len(x))
            return f"{symbols + ' = ' if symbols else ''}{_dot(x)} = {_n(out[0])}"
        return f"{L.dims(x)} → {L.dims(out)}"
    if isinstance(layer, L.Linear):
        return _("last dim {i} → {o} (out_features)").format(i=x[-1], o=out[-1])
    if out == x:
        if len(x) > 1:
            return _("element-wise: the shape is unchanged, {c} channels kept").format(c=x[0])
        return _("element-wise: the shape is unchanged")
    return None


def _merge(layer: L.Merge, xs: list[L.Shape], out: L.Shape) -> str | None:
    """``C = 64 + 128 + 32 + 32 = 256``: a concat's sum; an element-wise merge's shapes."""
    if layer.kind == "concat":
        rank = len(out) + 1
        d = (layer.dim + rank if layer.dim < 0 else layer.dim) - 1
        total = " + ".join(str(x[d]) for x in xs) + f" = {out[d]}"
        if d == 0 and len(out) > 1:
            return _("C = {sum}: concatenated on the channels (every input is {rest})").format(
                sum=total, rest=L.dims(out[1:]))
        return _("dim {dim}: {sum}: concatenated, the other dims agree").format(dim=layer.dim, sum=total)
    op = {"add": " + ", "sub": " − ", "mul": " · "}.get(layer.kind, " , ")
    text = op.join(L.dims(x) for x in xs) + f" → {L.dims(out)}"
    if any(x != out for x in xs):
        return _("element-wise: {shapes} (a size-1 dim is broadcast)").format(shapes=text)
    return _("element-wise: {shapes}").format(shapes=text)


# -- parameters and MACs ------------------------------------------------------------------------

def _positions(out: L.Shape) -> str:
    spatial = out[1:]
    return _dot(spatial) if len(spatial) > 1 else str(spatial[0]) if spatial else "1"


def params(layer: L.Layer, x: L.Shape, effect: L.Effect, batch: int = 1) -> str | None:
    parts: list[str | None] = []
    times_batch = (" × " + _("batch {n}").format(n=batch)) if batch != 1 else ""
    if isinstance(layer, L.Conv) and effect.weight_shape is not None:
        sym = SIZE_SYMBOLS.get(layer.ndim, ())
        kernel_sym = "·".join(f"F{s}" for s in sym)
        c = x[0]
        cg = c // layer.groups
        per_filter_sym = f"C·{kernel_sym}" if layer.groups == 1 else f"(C/groups)·{kernel_sym}"
        per_filter_num = f"{c}·{_dot(layer.kernel_size)}" if layer.groups == 1 else \
            f"({c}/{layer.groups})·{_dot(layer.kernel_size)}"
        per_filter = cg * math.prod(layer.kernel_size)
        parts.append(_("per filter {sym} = {num} = {n} weights").format(sym=per_filter_sym, num=per_filter_num,
                                                                         n=_n(per_filter)))
        bias_sym, bias_num = (" + FN", f" + {layer.out_channels}") if effect.bias else ("", "")
        total = _("in all {sym} = {num} = {n}").format(
            sym=f"{per_filter_sym}·FN{bias_sym}", num=f"{cg}·{_dot(layer.kernel_size)}·{layer.out_channels}{bias_num}",
            n=_n(effect.params))
        if not effect.bias:
            total += " " + _("(no bias)")
        parts.append(total)
        parts.append(_macs(effect, layer, x, times_batch, batch))
    elif isinstance(layer, L.ConvTranspose) and effect.weight_shape is not None:
        bias = f" + {effect.bias}" if effect.bias else ""
        parts.append(_("weight {shape}: {num}{bias} = {n}").format(
            shape=L.dims(effect.weight_shape), num=_dot(effect.weight_shape), bias=bias, n=_n(effect.params)))
        positions = _positions(x)
        parts.append(_("MACs = {w} weights × {p} input positions{b} = {n}").format(
            w=_n(effect.weights), p=positions, b=times_batch, n=_n(effect.macs * batch)))
    elif isinstance(layer, L.Linear):
        n_in, n_out = x[-1], layer.out_features
        rows = math.prod(x[:-1])
        if effect.bias:
            parts.append(_("in·out + out = {i}·{o} + {o} = {n}").format(i=n_in, o=n_out, n=_n(effect.params)))
        else:
            parts.append(_("in·out = {i}·{o} = {n} (no bias)").format(i=n_in, o=n_out, n=_n(effect.params)))
        many = f" × {rows}" if rows != 1 else ""
        parts.append(f"MACs = {n_in}·{n_out}{many}{times_batch} = {_n(effect.macs * batch)}")
    elif effect.weights and effect.weight_shape is None:  # a partial connection table (LeNet-5's C3)
        parts.append(_("{w} weights (partial connections) + {b} = {n}").format(
            w=_n(effect.weights), b=effect.bias, n=_n(effect.params)))
        parts.append(_macs(effect, layer, x, times_batch, batch))
    elif effect.weight_shape and len(effect.weight_shape) >= 2 and not isinstance(layer, L.Subsampling):
        out_dim, rest = effect.weight_shape[0], effect.weight_shape[1:]
        weights = f"{out_dim}·({_dot(rest)})" if len(rest) > 1 else f"{out_dim}·{rest[0]}"
        parts.append(f"{weights}{f' + {effect.bias}' if effect.bias else ''} = {_n(effect.params)}")
    elif effect.extra_params or effect.weights:
        parts.append(f"2·{x[0]} = {_n(effect.params)}" if effect.params == 2 * x[0] else f"{_n(effect.params)}")
    if effect.buffers:
        parts.append(_("buffers 2·{c} + 1 = {n}").format(c=x[0], n=_n(effect.buffers)))
    if effect.fc_params:
        ratio = effect.fc_params / effect.weights
        parts.append(_("dense: ({a})·({b}) = {n} weights — {r}× more").format(
            a=_dot(x), b=_dot(effect.output_shape), n=_n(effect.fc_params), r=f"{ratio:,.0f}"))
        if all(k == 1 for k in getattr(layer, "kernel_size", ())) and all(s == 1 for s in layer.stride):
            parts.append(_("a 1x1 conv is one {a}→{b} dense layer shared by all {p} positions").format(
                a=x[0], b=effect.output_shape[0], p=L.dims(effect.output_shape[1:])))
    return _join(parts)


def _macs(effect: L.Effect, layer: L.Layer, x: L.Shape, times_batch: str, batch: int) -> str:
    return _("MACs = {w} weights × {p} output positions{b} = {n}").format(
        w=_n(effect.weights), p=_positions(effect.output_shape), b=times_batch, n=_n(effect.macs * batch))


# -- receptive field ----------------------------------------------------------------------------

def receptive(effect: L.Effect, rf_in, rf_out, layer: L.Layer | None = None) -> str | None:
    if isinstance(layer, L.Linear) and rf_out is not None and all(f.jump == 0 for f in rf_out):
        return _("a fully connected layer sees the whole input: {x}").format(
            x=L.dims(tuple(f.size for f in rf_out)))
    if not isinstance(effect.receptive, L.Window) or rf_in is None or rf_out is None:
        return None
    w = effect.receptive
    parts = []
    for f, g, k, s, p, d in zip(rf_in, rf_out, w.kernel, w.stride, w.padding, w.dilation):
        e = shapes.effective_kernel(k, d)
        parts.append(_("rf {a} + ({e} − 1)·{j} = {b}, jump {j}·{s} = {j2}, start {s0} + (({e} − 1)/2 − {p})·{j} = "
                       "{s1}").format(a=f.size, e=e, j=f.jump, b=g.size, s=s, j2=g.jump, s0=_n(f.start), p=p,
                                      s1=_n(g.start)))
    return parts[0] if len(set(parts)) == 1 else "; ".join(parts)
