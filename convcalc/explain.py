"""--explain: each layer's arithmetic with its numbers substituted.

One function per question (shape, params, receptive field), each taking the layer, its
input shape, its :class:`~convcalc.layers.Effect` and the receptive-field state, and
returning one line (or None where there is nothing to show).
"""

from __future__ import annotations

from fractions import Fraction

from . import layers as L
from . import shapes


def _n(x) -> str:
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _per_dim(parts: list[str]) -> str:
    """One formula when every dim is the same, else one per dim."""
    return parts[0] if len(set(parts)) == 1 else "; ".join(parts)


def _conv_like(size: int, left: int, right: int, k: int, s: int, d: int, ceil_mode: bool = False,
               drop_start: int | None = None) -> str:
    """``(28 + 2·2 − 5)/1 + 1 = 28``, with the rounding spelled out where the division is not exact."""
    pad = f"2·{left}" if left == right else f"{left} + {right}"
    kernel = f"{k}" if d == 1 else f"{d}·({k} − 1) − 1"
    numerator = size + left + right - shapes.effective_kernel(k, d)
    text = f"({size} + {pad} − {kernel})/{s} + 1"
    exact = Fraction(numerator, s) + 1
    if exact.denominator == 1:
        return f"{text} = {exact.numerator}"
    rounded = -(-numerator // s) + 1 if ceil_mode else numerator // s + 1
    text += f" = {float(exact):g} → {'ceil' if ceil_mode else 'floor'} {rounded}"
    if ceil_mode and drop_start is not None and (rounded - 1) * s >= drop_start:
        text += f", less the window that would start in the right padding = {rounded - 1}"
    return text


def _lost(x: L.Shape, layer: L.Layer, left, kernel, stride, dilation) -> str:
    """`` (1 row and 1 column never covered)`` where floor rounding drops input rows."""
    lost = [shapes.uncovered(i, k, s, p, d) for i, k, s, p, d in zip(x[1:], kernel, stride, left, dilation)]
    names = {1: ["element"], 2: ["row", "column"], 3: ["plane", "row", "column"]}[layer.ndim]
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for n, name in zip(lost, names) if n]
    return f" ({' and '.join(parts)} never covered)" if parts else ""


def shape(layer: L.Layer, x: L.Shape, effect: L.Effect, convention: str) -> str | None:
    out = effect.output_shape
    if isinstance(layer, L.Conv):
        left, right = L.string_padding(layer, layer.padding, layer.kernel_size, layer.stride, layer.dilation, x,
                                       convention)
        return _per_dim([_conv_like(i, l, r, k, s, d) for i, l, r, k, s, d in
                         zip(x[1:], left, right, layer.kernel_size, layer.stride, layer.dilation)]) + (
            _lost(x, layer, left, layer.kernel_size, layer.stride, layer.dilation) if layer.padding != "same" else "")
    if isinstance(layer, L.ConvTranspose):
        return _per_dim([f"({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {o}" for i, k, s, p, d, op, o in zip(
            x[1:], layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.output_padding, out[1:])])
    if isinstance(layer, L._Pool) and isinstance(effect.receptive, L.Window):
        w = effect.receptive
        if isinstance(getattr(layer, "padding", 0), str):
            return _per_dim([f"ceil({i}/{s}) = {o}" if layer.padding == "same" else f"ceil(({i} − {k} + 1)/{s}) = {o}"
                             for i, k, s, o in zip(x[1:], w.kernel, w.stride, out[1:])])
        ceil_mode = getattr(layer, "ceil_mode", False) or convention == "caffe"
        return _per_dim([_conv_like(i, p, p, k, s, d, ceil_mode, i + p) for i, k, s, p, d in
                         zip(x[1:], w.kernel, w.stride, w.padding, w.dilation)]) + (
            "" if ceil_mode else _lost(x, layer, w.padding, w.kernel, w.stride, w.dilation))
    if isinstance(layer, L.AdaptivePool):
        return f"output_size {L.dims(out[1:])}, whatever the input {L.dims(x[1:])}"
    if isinstance(layer, L.Flatten):
        return f"{'·'.join(str(v) for v in x)} = {_n(out[0])}" if len(out) == 1 else f"{L.dims(x)} → {L.dims(out)}"
    if isinstance(layer, L.Linear):
        return f"last dim {x[-1]} → {out[-1]}"
    return "element-wise: the shape is unchanged" if out == x else None


def params(layer: L.Layer, x: L.Shape, effect: L.Effect) -> str | None:
    parts = []
    if effect.weight_shape and len(effect.weight_shape) >= 2 and not isinstance(layer, L.Subsampling):
        out_dim, rest = effect.weight_shape[0], effect.weight_shape[1:]
        weights = f"{out_dim}·({'·'.join(str(v) for v in rest)})" if len(rest) > 1 else f"{out_dim}·{rest[0]}"
        parts.append(f"{weights}{f' + {effect.bias}' if effect.bias else ''} = {_n(effect.params)}")
    elif effect.weights and effect.weight_shape is None:  # a partial connection table
        parts.append(f"{_n(effect.weights)} weights (partial connections) + {effect.bias} = {_n(effect.params)}")
    elif effect.extra_params or effect.weights:
        parts.append(f"2·{x[0]} = {_n(effect.params)}" if effect.params == 2 * x[0] else f"{_n(effect.params)}")
    if effect.buffers:
        parts.append(f"buffers 2·{x[0]} + 1 = {_n(effect.buffers)}")
    if effect.fc_params:
        ratio = effect.fc_params / effect.weights
        parts.append(f"dense: ({'·'.join(map(str, x))})·({'·'.join(map(str, effect.output_shape))}) = "
                     f"{_n(effect.fc_params)} weights — {ratio:,.0f}× more")
        if all(k == 1 for k in getattr(layer, "kernel_size", ())) and all(s == 1 for s in layer.stride):
            parts.append(f"a 1x1 conv is one {x[0]}→{effect.output_shape[0]} dense layer shared by all "
                         f"{L.dims(effect.output_shape[1:])} positions")
    return "; ".join(parts) or None


def receptive(effect: L.Effect, rf_in, rf_out) -> str | None:
    if not isinstance(effect.receptive, L.Window) or rf_in is None or rf_out is None:
        return None
    w = effect.receptive
    parts = []
    for f, g, k, s, p, d in zip(rf_in, rf_out, w.kernel, w.stride, w.padding, w.dilation):
        e = shapes.effective_kernel(k, d)
        parts.append(f"rf {f.size} + ({e} − 1)·{f.jump} = {g.size}, jump {f.jump}·{s} = {g.jump}, "
                     f"start {_n(f.start)} + (({e} − 1)/2 − {p})·{f.jump} = {_n(g.start)}")
    return _per_dim(parts)
