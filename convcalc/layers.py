"""Layer kinds: one frozen dataclass each, with torch's argument names and order.

A kind declares its arguments as dataclass fields made with :func:`arg`, in
torch's constructor order; that single declaration gives the spec reader its
keys, defaults, value checks and positional order. ``apply`` takes the input
shape (channels first, no batch dim) and returns an :class:`Effect`: the output
shape, the parameter/buffer/MAC counts and the receptive-field geometry. It
raises :class:`NetworkError` where PyTorch would refuse the layer.

Adding a kind touches one place: write the class here and list it in ``KINDS``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import shapes, values
from .errors import NetworkError

Shape = tuple[int, ...]

REQUIRED: Any = object()


def arg(parse: values.Parser, default: Any = REQUIRED, *, sizing: bool = False, positional: bool = True,
        keyword_only: bool = False) -> Any:
    """A user-settable argument.

    ``sizing`` marks the argument torch needs but convcalc infers from the incoming
    shape (``in_channels``, ``in_features``, ``num_features``): optional, checked
    when given, and left out of the short positional form (``conv2d(6, 5)``).
    ``positional=False`` makes an argument keyword-only in the short form; ``keyword_only`` in
    torch's form too (torch's own keyword-only arguments, and convcalc's extensions).
    """
    return field(
        default=None if default is REQUIRED or sizing else default,
        metadata={"parse": parse, "required": default is REQUIRED and not sizing, "sizing": sizing,
                  "positional": positional and not keyword_only, "keyword_only": keyword_only,
                  "default": None if sizing else default},
    )


def dims(values_: tuple[int, ...] | Shape) -> str:
    """``(5, 5)`` → ``"5x5"``: how sizes are written in messages and tables."""
    return "x".join(str(v) for v in values_)


@dataclass(frozen=True, slots=True)
class Window:
    """Sliding-window geometry per spatial dim, for the receptive-field recurrence.

    ``padding`` is the left (top/front) padding: it sets where the first window starts.
    """

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Note:
    """A warning about one layer: a stable code, the message and an optional hint."""

    #: ``inexact-division`` (input pixels dropped; an error under --strict), ``padding-only-division``
    #: (only padding dropped), ``not-flat``, ``receptive-field``, ``unused-argument``
    code: str
    message: str
    hint: str | None = None


#: Size conventions: ``torch`` (default), ``tf`` (Keras/TensorFlow 'same'/'valid' with any stride),
#: ``caffe`` (pooling rounds up).
CONVENTIONS = ("torch", "tf", "caffe")


def string_padding(layer: "Layer", padding, kernel, stride, dilation, x: Shape, convention: str):
    """(left, right) padding per dim for 'same'/'valid' (or numbers), under ``convention``."""
    if padding == "valid":
        zero = (0,) * len(kernel)
        return zero, zero
    if padding == "same":
        if convention == "tf":
            pairs = [shapes.tf_same_padding(i, k, s, d) for i, k, s, d in zip(x[1:], kernel, stride, dilation)]
        else:
            pairs = [shapes.same_padding(k, d) for k, d in zip(kernel, dilation)]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    return padding, padding


#: Receptive-field effects other than a window.
KEEP = "keep"  # element-wise: the receptive field passes through unchanged
RESET = "reset"  # the output is no longer spatial (flatten, linear)
UNKNOWN = "unknown"  # spatial, but no single window describes it


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    """What one layer does to one sample."""

    output_shape: Shape
    weight_shape: Shape | None = None
    weights: int = 0  #: weight elements (kernel or matrix)
    bias: int = 0  #: bias elements
    extra_params: int = 0  #: other parameters (norm scale and shift)
    buffers: int = 0  #: non-parameter state: BatchNorm running stats and counter
    macs: int = 0  #: multiply-accumulates of the weights, bias excluded, per sample
    connections: int = 0  #: weighted inputs plus bias terms over all outputs (LeCun 1998's "connections")
    fc_params: int | None = None  #: weights a dense layer would need for the same in→out volume
    receptive: Window | str = KEEP
    warnings: tuple[Note, ...] = ()

    @property
    def params(self) -> int:
        return self.weights + self.bias + self.extra_params


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """Fields every layer has; subclasses add their torch arguments with :func:`arg`."""

    #: canonical type name → number of spatial dims (None: any)
    TYPES: ClassVar[dict[str, int | None]] = {}

    type: str
    path: str = ""
    name: str | None = None
    trainable: bool = True
    ndim: int = 2

    @property
    def label(self) -> str:
        return f"{self.type} {self.name!r}" if self.name else self.type

    def fail(self, message: str, hint: str | None = None) -> NetworkError:
        return NetworkError(f"{self.label}: {message}", path=self.path, hint=hint)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    # -- shared checks ---------------------------------------------------
    def expect_spatial(self, x: Shape) -> None:
        """Conv and pool layers take ``C × spatial`` with exactly ``ndim`` spatial dims."""
        if len(x) != self.ndim + 1:
            want = ["C", "CxL", "CxHxW", "CxDxHxW"][self.ndim]
            hint = None
            if len(x) == 1:
                hint = "the input is flat (after flatten or linear); move this layer before the flatten"
            raise self.fail(f"expects a {want} input ({self.ndim + 1} dims without batch), got {dims(x)}", hint)

    def check_given(self, argname: str, given: int | None, actual: int, what: str) -> None:
        if given is not None and given != actual:
            raise self.fail(f"{argname}={given} but the previous layer gives {actual} {what}", f"set {argname}={actual}")


def arguments(cls: type[Layer]) -> list[dataclasses.Field]:
    """The user-settable fields of a kind, in torch's order."""
    return [f for f in dataclasses.fields(cls) if "parse" in f.metadata]


def _prod(xs: Any) -> int:
    return math.prod(xs)


def _drop_warning(layer: Layer, x: Shape, kernel, stride, padding, dilation, hint: str) -> Note | None:
    """Warn when ``in + 2p − d·(k−1) − 1`` is not a multiple of the stride: floor rounding
    leaves the last rows/columns of the padded input uncovered."""
    lost = [shapes.uncovered(i, k, s, p, d) for i, k, s, p, d in zip(x[1:], kernel, stride, padding, dilation)]
    if not any(lost):
        return None
    names = {1: ["element"], 2: ["row", "column"], 3: ["plane", "row", "column"]}[layer.ndim]
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for n, name in zip(lost, names) if n]
    sums = []
    for i, k, s, p, d, n in zip(x[1:], kernel, stride, padding, dilation, lost):
        e = shapes.effective_kernel(k, d)
        text = f"{i} + 2·{p} − {e} = {i + 2 * p - e} is not a multiple of {s}"
        if n and text not in sums:
            sums.append(text)
    padding_only = all(n <= p for n, p in zip(lost, padding))
    code = "padding-only-division" if padding_only else "inexact-division"
    return Note(code, f"the last {' and '.join(parts)} of the padded input "
                f"{'is' if sum(lost) == 1 else 'are'} never covered ({'; '.join(sums)})"
                + ("; only padding is dropped" if padding_only else ""), hint)


def _too_small(layer: Layer, kernel, dilation, padded) -> NetworkError:
    eff = tuple(shapes.effective_kernel(k, d) for k, d in zip(kernel, dilation))
    what = f"kernel {dims(kernel)}" if eff == tuple(kernel) else f"dilated kernel {dims(eff)} ({dims(kernel)} with dilation {dims(dilation)})"
    return layer.fail(f"{what} is larger than the padded input {dims(padded)}",
                      "use a smaller kernel, more padding, or a larger input")


# ----------------------------------------------------------------------------
# Convolutions
# ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Conv(Layer):
    """``torch.nn.Conv1d/2d/3d``. Weight ``(out, in/groups, *k)``; MACs = weight numel × output positions."""

    TYPES: ClassVar = {"conv1d": 1, "conv2d": 2, "conv3d": 3}

    in_channels: int | None = arg(values.positive, sizing=True)
    out_channels: int = arg(values.positive)
    kernel_size: tuple[int, ...] = arg(values.positive_per_dim)
    stride: tuple[int, ...] = arg(values.positive_per_dim, 1)
    padding: tuple[int, ...] | str = arg(values.conv_padding, 0)
    dilation: tuple[int, ...] = arg(values.positive_per_dim, 1)
    groups: int = arg(values.positive, 1)
    bias: bool = arg(values.boolean, True)
    padding_mode: str = arg(values.choice("zeros", "reflect", "replicate", "circular"), "zeros")
    #: convcalc's extension for partially connected layers (LeNet-5's C3): for each output
    #: channel, the input channels it sees. Not a torch argument.
    connections: tuple[tuple[int, ...], ...] | None = arg(values.optional(values.index_lists), None,
                                                          keyword_only=True)

    def check_channels(self, x: Shape) -> int:
        self.expect_spatial(x)
        c = x[0]
        self.check_given("in_channels", self.in_channels, c, "channels")
        for argname, n in (("in_channels", c), ("out_channels", self.out_channels)):
            if n % self.groups:
                raise self.fail(f"groups={self.groups} does not divide {argname}={n}",
                                f"{argname} must be a multiple of groups")
        return c

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        c = self.check_channels(x)
        if self.padding == "same" and convention != "tf" and any(s != 1 for s in self.stride):
            raise self.fail(f"padding='same' is not supported for strided convolutions (stride {dims(self.stride)})",
                            "use stride 1, give the padding as numbers, or --convention tf for Keras's 'same'")
        left, right = string_padding(self, self.padding, self.kernel_size, self.stride, self.dilation, x, convention)
        spatial = x[1:]
        if self.padding_mode in ("reflect", "circular"):
            # reflect needs pad < size; circular may wrap around at most once; replicate has no limit
            limit_ok = (lambda p, i: p < i) if self.padding_mode == "reflect" else (lambda p, i: p <= i)
            if not all(limit_ok(p, i) for p, i in zip(right, spatial)):
                raise self.fail(f"padding {dims(right)} is too large for padding_mode={self.padding_mode!r} "
                                f"on a {dims(spatial)} input")
        padded = tuple(i + l + r for i, l, r in zip(spatial, left, right))
        eff = tuple(shapes.effective_kernel(k, d) for k, d in zip(self.kernel_size, self.dilation))
        if any(p < e for p, e in zip(padded, eff)):
            raise _too_small(self, self.kernel_size, self.dilation, padded)
        out = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, self.stride))
        warnings = []
        if self.padding != "same":
            w = _drop_warning(self, x, self.kernel_size, self.stride, left, self.dilation,
                              "adjust padding or input size so the division is exact")
            if w:
                warnings.append(w)
        weight_shape: Shape | None = (self.out_channels, c // self.groups, *self.kernel_size)
        weights = _prod(weight_shape)
        if self.connections is not None:
            weight_shape, weights = None, self.partial_weights(c)
        output_shape = (self.out_channels, *out)
        bias = self.out_channels if self.bias else 0
        return Effect(
            output_shape=output_shape,
            weight_shape=weight_shape,
            weights=weights,
            bias=bias,
            macs=weights * _prod(out),
            connections=(weights + bias) * _prod(out),
            fc_params=_prod(x) * _prod(output_shape),
            receptive=Window(self.kernel_size, self.stride, left, self.dilation),
            warnings=tuple(warnings),
        )

    def partial_weights(self, c: int) -> int:
        """Weights of a partially connected conv: each output channel has a kernel per input it sees."""
        if len(self.connections) != self.out_channels:
            raise self.fail(f"connections lists {len(self.connections)} output channels but out_channels="
                            f"{self.out_channels}")
        if self.groups != 1:
            raise self.fail("connections and groups cannot be combined")
        for j, inputs in enumerate(self.connections):
            bad = [i for i in inputs if i >= c]
            if bad or len(set(inputs)) != len(inputs):
                raise self.fail(f"connections[{j}] must list distinct input channels below {c}, got {list(inputs)}")
        return sum(len(inputs) for inputs in self.connections) * _prod(self.kernel_size)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConvTranspose(Layer):
    """``torch.nn.ConvTranspose1d/2d/3d``. Weight ``(in, out/groups, *k)``; MACs = weight numel × input positions."""

    TYPES: ClassVar = {"convtranspose1d": 1, "convtranspose2d": 2, "convtranspose3d": 3}

    in_channels: int | None = arg(values.positive, sizing=True)
    out_channels: int = arg(values.positive)
    kernel_size: tuple[int, ...] = arg(values.positive_per_dim)
    stride: tuple[int, ...] = arg(values.positive_per_dim, 1)
    padding: tuple[int, ...] = arg(values.non_negative_per_dim, 0)
    output_padding: tuple[int, ...] = arg(values.non_negative_per_dim, 0)
    groups: int = arg(values.positive, 1)
    bias: bool = arg(values.boolean, True)
    dilation: tuple[int, ...] = arg(values.positive_per_dim, 1)
    padding_mode: str = arg(values.choice("zeros"), "zeros")

    check_channels = Conv.check_channels

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        c = self.check_channels(x)
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if op >= s and op >= d:
                raise self.fail(f"output_padding {dims(self.output_padding)} must be smaller than either "
                                f"stride {dims(self.stride)} or dilation {dims(self.dilation)}")
        out = tuple(
            shapes.conv_transpose_output_size(i, k, s, p, d, op)
            for i, k, s, p, d, op in zip(x[1:], self.kernel_size, self.stride, self.padding, self.dilation, self.output_padding)
        )
        if any(o < 1 for o in out):
            raise self.fail(f"output size {dims(out)} is too small (padding {dims(self.padding)} removes more than the "
                            f"layer produces)", "reduce padding")
        weight_shape = (c, self.out_channels // self.groups, *self.kernel_size)
        weights = _prod(weight_shape)
        output_shape = (self.out_channels, *out)
        warnings = []
        if all(s == 1 for s in self.stride):
            # Stride 1: the same as a convolution padded with d·(k−1) − p.
            receptive: Window | str = Window(
                self.kernel_size, self.stride,
                tuple(d * (k - 1) - p for k, d, p in zip(self.kernel_size, self.dilation, self.padding)), self.dilation)
        else:
            receptive = UNKNOWN
            warnings.append(Note("receptive-field", "the receptive field is not defined through a strided "
                                 "transposed convolution; it is left unknown from here on"))
        return Effect(
            output_shape=output_shape,
            weight_shape=weight_shape,
            weights=weights,
            bias=self.out_channels if self.bias else 0,
            macs=weights * _prod(x[1:]),
            connections=weights * _prod(x[1:]) + (self.out_channels * _prod(out) if self.bias else 0),
            fc_params=_prod(x) * _prod(output_shape),
            receptive=receptive,
            warnings=tuple(warnings),
        )


# ----------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class _Pool(Layer):
    """Shared by max and average pooling: stride defaults to kernel_size."""

    def pool(self, x: Shape, kernel, stride, padding, dilation, ceil_mode: bool, convention: str = "torch") -> Effect:
        """Pooling under a convention: torch's rules; ``tf`` adds 'same'/'valid'; ``caffe`` always rounds up."""
        self.expect_spatial(x)
        stride = stride or kernel
        if isinstance(padding, str):
            if convention != "tf":
                raise self.fail(f"padding={padding!r} on pooling is TensorFlow's convention",
                                "give the padding as numbers, or use --convention tf")
            left, right = string_padding(self, padding, kernel, stride, dilation, x, convention)
            out = tuple((i + l + r - shapes.effective_kernel(k, d)) // s + 1
                        for i, l, r, k, s, d in zip(x[1:], left, right, kernel, stride, dilation))
            if any(o < 1 for o in out):
                raise _too_small(self, kernel, dilation, x[1:])
            return Effect(output_shape=(x[0], *out), receptive=Window(kernel, stride, left, dilation))
        limit = (lambda k: k // 2) if convention == "torch" else (lambda k: k - 1)
        for p, k in zip(padding, kernel):
            if p > limit(k):
                allowed = dims(tuple(limit(k) for k in kernel))
                what = "more than half the kernel" if convention == "torch" else "not smaller than the kernel"
                raise self.fail(f"padding {dims(padding)} is {what} {dims(kernel)} ({convention} allows at most "
                                f"{allowed})", f"use padding ≤ {allowed}")
        ceil_mode = ceil_mode or convention == "caffe"
        out = tuple(shapes.pool_output_size(i, k, s, p, d, ceil_mode)
                    for i, k, s, p, d in zip(x[1:], kernel, stride, padding, dilation))
        if any(o < 1 for o in out):
            raise _too_small(self, kernel, dilation, tuple(i + 2 * p for i, p in zip(x[1:], padding)))
        warnings = []
        if not ceil_mode:
            w = _drop_warning(self, x, kernel, stride, padding, dilation,
                              "adjust padding or input size so the division is exact, or set ceil_mode=true")
            if w:
                warnings.append(w)
        return Effect(output_shape=(x[0], *out), receptive=Window(kernel, stride, padding, dilation),
                      warnings=tuple(warnings))


@dataclass(frozen=True, slots=True, kw_only=True)
class MaxPool(_Pool):
    """``torch.nn.MaxPool1d/2d/3d``."""

    TYPES: ClassVar = {"maxpool1d": 1, "maxpool2d": 2, "maxpool3d": 3}

    kernel_size: tuple[int, ...] = arg(values.positive_per_dim)
    stride: tuple[int, ...] | None = arg(values.optional(values.positive_per_dim), None)
    padding: tuple[int, ...] | str = arg(values.conv_padding, 0)  # 'same'/'valid' only under --convention tf
    dilation: tuple[int, ...] = arg(values.positive_per_dim, 1)
    return_indices: bool = arg(values.boolean, False)
    ceil_mode: bool = arg(values.boolean, False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        return self.pool(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, convention)


@dataclass(frozen=True, slots=True, kw_only=True)
class AvgPool(_Pool):
    """``torch.nn.AvgPool1d/2d/3d`` (no dilation)."""

    TYPES: ClassVar = {"avgpool1d": 1, "avgpool2d": 2, "avgpool3d": 3}
    EXCLUDES: ClassVar = {"avgpool1d": ("divisor_override",)}  # torch's AvgPool1d has none

    kernel_size: tuple[int, ...] = arg(values.positive_per_dim)
    stride: tuple[int, ...] | None = arg(values.optional(values.positive_per_dim), None)
    padding: tuple[int, ...] | str = arg(values.conv_padding, 0)  # 'same'/'valid' only under --convention tf
    ceil_mode: bool = arg(values.boolean, False)
    count_include_pad: bool = arg(values.boolean, True)
    divisor_override: int | None = arg(values.optional(values.positive), None)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        self.expect_spatial(x)
        if self.ndim == 3 and any(i < k for i, k in zip(x[1:], self.kernel_size)):
            # ATen's avg_pool3d (alone among the pools) checks the unpadded input against the kernel
            raise self.fail(f"input {dims(x[1:])} is smaller than the kernel {dims(self.kernel_size)} "
                            "(torch's avg_pool3d does not count the padding here)", "use a smaller kernel")
        return self.pool(x, self.kernel_size, self.stride, self.padding, (1,) * self.ndim, self.ceil_mode, convention)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subsampling(_Pool):
    """LeNet-5's S-layers (LeCun et al. 1998): each map's k×k window sum times one trainable
    coefficient plus one trainable bias — 2 parameters per channel. Not a torch layer."""

    TYPES: ClassVar = {"subsampling2d": 2}

    kernel_size: tuple[int, ...] = arg(values.positive_per_dim)
    stride: tuple[int, ...] | None = arg(values.optional(values.positive_per_dim), None)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        effect = self.pool(x, self.kernel_size, self.stride, (0,) * self.ndim, (1,) * self.ndim, False)
        c = x[0]
        return dataclasses.replace(effect, weights=c, bias=c, weight_shape=(c,),
                                   connections=(_prod(self.kernel_size) + 1) * _prod(effect.output_shape))


@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptivePool(Layer):
    """``torch.nn.AdaptiveAvgPool*d`` / ``AdaptiveMaxPool*d``: a fixed output size (null keeps a dim)."""

    TYPES: ClassVar = {f"adaptive{kind}pool{n}d": n for kind in ("avg", "max") for n in (1, 2, 3)}

    output_size: tuple[int | None, ...] = arg(values.output_size)
    return_indices: bool = arg(values.boolean, False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        self.expect_spatial(x)
        if self.return_indices and "max" not in self.type:
            raise self.fail("return_indices applies only to adaptive max pooling")
        out = tuple(i if o is None else o for i, o in zip(x[1:], self.output_size))
        windows = [shapes.adaptive_pool_window(i, o) for i, o in zip(x[1:], out)]
        warnings = []
        if all(windows):
            receptive: Window | str = Window(tuple(w[0] for w in windows), tuple(w[1] for w in windows),
                                             (0,) * self.ndim, (1,) * self.ndim)
        else:
            receptive = UNKNOWN
            warnings.append(Note("receptive-field", f"input {dims(x[1:])} is not a multiple of the output {dims(out)}: "
                                 "the pooling windows differ in size, so the receptive field is left unknown from here on"))
        return Effect(output_shape=(x[0], *out), receptive=receptive, warnings=tuple(warnings))


# ----------------------------------------------------------------------------
# Dense, reshaping and normalisation
# ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Linear(Layer):
    """``torch.nn.Linear``: applies to the last dim, as torch does. Weight ``(out, in)``."""

    TYPES: ClassVar = {"linear": None}

    in_features: int | None = arg(values.positive, sizing=True)
    out_features: int = arg(values.positive)
    bias: bool = arg(values.boolean, True)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        n = x[-1]
        flat = len(x) == 1
        if self.in_features is not None and self.in_features != n:
            if not flat and self.in_features == _prod(x):
                hint = f"add flatten before it: the input {dims(x)} has {_prod(x)} elements"
            elif not flat:
                hint = f"add flatten before it and set in_features={_prod(x)} (or in_features={n} for the last dim)"
            else:
                hint = f"set in_features={n}"
            raise self.fail(f"in_features={self.in_features} but receives {n} features"
                            + ("" if flat else f" (the last dim of {dims(x)})"), hint)
        warnings = []
        if not flat:
            warnings.append(Note("not-flat", f"input {dims(x)} is not flat: linear applies to the last dim ({n}) only",
                                 f"add flatten before it for in_features={_prod(x)}"))
        weight_shape = (self.out_features, n)
        return Effect(
            output_shape=(*x[:-1], self.out_features),
            weight_shape=weight_shape,
            weights=n * self.out_features,
            bias=self.out_features if self.bias else 0,
            macs=n * self.out_features * _prod(x[:-1]),
            connections=(n + (1 if self.bias else 0)) * self.out_features * _prod(x[:-1]),
            receptive=RESET,
            warnings=tuple(warnings),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Flatten(Layer):
    """``torch.nn.Flatten``: dims counted with the batch dim, as torch does (default 1 to −1)."""

    TYPES: ClassVar = {"flatten": None}

    start_dim: int = arg(values.any_int, 1)
    end_dim: int = arg(values.any_int, -1)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        rank = len(x) + 1  # with the batch dim
        start, end = (d + rank if d < 0 else d for d in (self.start_dim, self.end_dim))
        for argname, d, raw in (("start_dim", start, self.start_dim), ("end_dim", end, self.end_dim)):
            if not 0 <= d < rank:
                raise self.fail(f"{argname}={raw} is out of range for a {rank}-dim input (batch included)")
        if start == 0:
            raise self.fail("start_dim=0 would merge the batch dim, which convcalc does not model",
                            "use start_dim=1 (the default)")
        if start > end:
            raise self.fail(f"start_dim={self.start_dim} comes after end_dim={self.end_dim}")
        s, e = start - 1, end - 1
        out = (*x[:s], _prod(x[s:e + 1]), *x[e + 1:])
        return Effect(output_shape=out, receptive=RESET if len(out) == 1 else UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchNorm(Layer):
    """``torch.nn.BatchNorm1d/2d/3d``: 2·C parameters; running mean/var and the batch counter are buffers (2·C + 1)."""

    TYPES: ClassVar = {"batchnorm1d": 1, "batchnorm2d": 2, "batchnorm3d": 3}

    # Keyword-only here, so that ``bn(64)`` cannot silently mean eps=64.
    num_features: int | None = arg(values.positive, sizing=True)
    eps: float = arg(values.number(0, exclusive_min=True), 1e-5, positional=False)
    momentum: float | None = arg(values.optional(values.number(0, 1)), 0.1, positional=False)
    affine: bool = arg(values.boolean, True, positional=False)
    track_running_stats: bool = arg(values.boolean, True, positional=False)
    bias: bool = arg(values.boolean, True, keyword_only=True)  #: torch 2.13: affine without the shift

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        ranks = (1, 2) if self.ndim == 1 else (self.ndim + 1,)
        if len(x) not in ranks:
            want = " or ".join(f"{r + 1}D" for r in ranks)
            raise self.fail(f"expected {want} input (batch included), got {len(x) + 1}D ({dims(x)} without batch)")
        return self.normalise(x)

    def normalise(self, x: Shape) -> Effect:
        """torch's _NormBase: num_features is read (and checked) only for weights or running stats."""
        c = x[0]
        warnings = []
        if self.affine or self.track_running_stats:
            self.check_given("num_features", self.num_features, c, "channels")
        elif self.num_features is not None and self.num_features != c:
            warnings.append(Note("unused-argument", f"num_features={self.num_features} but the input has {c} "
                                 "channels (torch does not check it without affine or running stats)",
                                 f"set num_features={c}"))
        return Effect(output_shape=x, extra_params=(2 if self.bias else 1) * c if self.affine else 0,
                      buffers=2 * c + 1 if self.track_running_stats else 0, warnings=tuple(warnings))


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceNorm(BatchNorm):
    """``torch.nn.InstanceNorm1d/2d/3d``: BatchNorm's arguments with affine and track_running_stats off by
    default; a C × spatial input."""

    TYPES: ClassVar = {"instancenorm1d": 1, "instancenorm2d": 2, "instancenorm3d": 3}
    EXCLUDES: ClassVar = {t: ("bias",) for t in TYPES}  # torch's InstanceNorm has no bias flag

    affine: bool = arg(values.boolean, False, positional=False)
    track_running_stats: bool = arg(values.boolean, False, positional=False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        self.expect_spatial(x)
        return self.normalise(x)


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupNorm(Layer):
    """``torch.nn.GroupNorm``: 2·C parameters when affine, no buffers."""

    TYPES: ClassVar = {"groupnorm": None}

    num_groups: int = arg(values.positive)
    num_channels: int | None = arg(values.positive, sizing=True)
    eps: float = arg(values.number(0, exclusive_min=True), 1e-5)
    affine: bool = arg(values.boolean, True)
    bias: bool = arg(values.boolean, True, keyword_only=True)  #: torch 2.13: affine without the shift

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        c = x[0]
        self.check_given("num_channels", self.num_channels, c, "channels")
        if c % self.num_groups:
            raise self.fail(f"num_groups={self.num_groups} does not divide the {c} channels")
        return Effect(output_shape=x, extra_params=(2 if self.bias else 1) * c if self.affine else 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerNorm(Layer):
    """``torch.nn.LayerNorm``: normalises the trailing dims; when omitted, convcalc uses the last dim."""

    TYPES: ClassVar = {"layernorm": None}

    normalized_shape: tuple[int, ...] | None = arg(values.optional(values.int_list), None)
    eps: float = arg(values.number(0, exclusive_min=True), 1e-5)
    elementwise_affine: bool = arg(values.boolean, True)
    bias: bool = arg(values.boolean, True)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        shape = self.normalized_shape or x[-1:]
        if len(shape) > len(x) or x[len(x) - len(shape):] != shape:
            raise self.fail(f"normalized_shape {dims(shape)} does not match the trailing dims of the input {dims(x)}",
                            f"set normalized_shape={list(x[-len(shape):])}" if len(shape) <= len(x) else None)
        n = _prod(shape)
        params = (n + (n if self.bias else 0)) if self.elementwise_affine else 0
        return Effect(output_shape=x, extra_params=params)


@dataclass(frozen=True, slots=True, kw_only=True)
class PReLU(Layer):
    """``torch.nn.PReLU``: one learnable slope, or one per channel (``num_parameters=C``)."""

    TYPES: ClassVar = {"prelu": None}

    num_parameters: int = arg(values.positive, 1)
    init: float = arg(values.number(), 0.25)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        channels = x[0]
        if self.num_parameters not in (1, channels):
            raise self.fail(f"num_parameters={self.num_parameters} but the input has {channels} channels",
                            f"use num_parameters=1 or {channels}")
        return Effect(output_shape=x, extra_params=self.num_parameters)


@dataclass(frozen=True, slots=True, kw_only=True)
class Upsample(Layer):
    """``torch.nn.Upsample``: to ``size``, or ``floor(in · scale_factor)`` per spatial dim; no parameters."""

    TYPES: ClassVar = {"upsample": None, "upsamplingnearest2d": None, "upsamplingbilinear2d": None}

    size: tuple[int, ...] | None = arg(values.optional(values.int_list), None)
    scale_factor: tuple[float, ...] | float | None = arg(values.optional(values.scales), None)
    mode: str = arg(values.choice("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"),
                    "nearest")
    align_corners: bool | None = arg(values.optional(values.boolean), None)
    recompute_scale_factor: bool | None = arg(values.optional(values.boolean), None)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        spatial = x[1:]
        if not spatial:
            raise self.fail(f"expects a C x spatial input, got {dims(x)}")
        if (self.size is None) == (self.scale_factor is None):
            raise self.fail("give exactly one of size and scale_factor")
        if self.size is not None:
            out = self.size * len(spatial) if len(self.size) == 1 else self.size
        else:
            scales = self.scale_factor if isinstance(self.scale_factor, tuple) else (self.scale_factor,)
            scales = scales * len(spatial) if len(scales) == 1 else scales
            out = tuple(math.floor(i * s) for i, s in zip(spatial, scales))
            if len(scales) != len(spatial):
                out = ()
        if len(out) != len(spatial):
            raise self.fail(f"size/scale_factor gives {len(out)} dims but the input has {len(spatial)} spatial dims")
        if any(o < 1 for o in out):
            raise self.fail(f"output size {dims(out)} is empty")
        return Effect(output_shape=(x[0], *out), receptive=UNKNOWN, warnings=(Note(
            "receptive-field", "the receptive field is not defined through upsampling; it is left unknown from "
            "here on"),))


@dataclass(frozen=True, slots=True, kw_only=True)
class Pad(Layer):
    """``torch.nn.ZeroPad*d`` / ``ConstantPad*d`` / ``ReflectionPad*d`` / ``ReplicationPad*d`` /
    ``CircularPad*d``: ``padding`` is an int or, as torch, (left, right[, top, bottom[, front, back]])
    starting from the last dim; negative values crop."""

    TYPES: ClassVar = {f"{kind}pad{n}d": n for kind in ("zero", "constant", "reflection", "replication", "circular")
                       for n in (1, 2, 3)}

    padding: tuple[int, ...] = arg(values.pad_widths)
    value: float = arg(values.number(), 0.0)

    def pads(self) -> list[tuple[int, int]]:
        """(before, after) per spatial dim, first dim first."""
        p = self.padding * (2 * self.ndim) if len(self.padding) == 1 else self.padding
        if len(p) != 2 * self.ndim:
            raise self.fail(f"padding needs 1 or {2 * self.ndim} values, got {len(p)}")
        return [(p[2 * i], p[2 * i + 1]) for i in range(self.ndim)][::-1]

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        self.expect_spatial(x)
        pads = self.pads()
        if self.type.startswith("reflection") and any(max(b, a) >= i for (b, a), i in zip(pads, x[1:])):
            raise self.fail(f"reflection padding must be smaller than the input {dims(x[1:])}")
        out = tuple(i + b + a for (b, a), i in zip(pads, x[1:]))
        if any(o < 1 for o in out):
            raise self.fail(f"the padding crops the input {dims(x[1:])} to nothing ({dims(out)})")
        return Effect(output_shape=(x[0], *out),
                      receptive=Window((1,) * self.ndim, (1,) * self.ndim, tuple(b for b, _ in pads), (1,) * self.ndim))


@dataclass(frozen=True, slots=True, kw_only=True)
class PixelShuffle(Layer):
    """``torch.nn.PixelShuffle``: C·r² × H × W → C × H·r × W·r."""

    TYPES: ClassVar = {"pixelshuffle": 2}

    upscale_factor: int = arg(values.positive)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        self.expect_spatial(x)
        r = self.upscale_factor
        if x[0] % (r * r):
            raise self.fail(f"{x[0]} channels are not divisible by upscale_factor² = {r * r}")
        return Effect(output_shape=(x[0] // (r * r), x[1] * r, x[2] * r), receptive=UNKNOWN, warnings=(Note(
            "receptive-field", "the receptive field is not defined through a pixel shuffle; it is left unknown"),))


@dataclass(frozen=True, slots=True, kw_only=True)
class Unflatten(Layer):
    """``torch.nn.Unflatten``: split ``dim`` (counted with the batch dim) into ``unflattened_size``."""

    TYPES: ClassVar = {"unflatten": None}

    dim: int = arg(values.any_int)
    unflattened_size: tuple[int, ...] = arg(values.int_list)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        rank = len(x) + 1
        d = self.dim + rank if self.dim < 0 else self.dim
        if not 1 <= d < rank:
            raise self.fail(f"dim={self.dim} is out of range for a {rank}-dim input (batch included)")
        if _prod(self.unflattened_size) != x[d - 1]:
            raise self.fail(f"unflattened_size {dims(self.unflattened_size)} has {_prod(self.unflattened_size)} "
                            f"elements but dim {self.dim} has {x[d - 1]}")
        return Effect(output_shape=(*x[:d - 1], *self.unflattened_size, *x[d:]), receptive=UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalResponseNorm(Layer):
    """``torch.nn.LocalResponseNorm``: no parameters, shape unchanged (AlexNet, GoogLeNet)."""

    TYPES: ClassVar = {"localresponsenorm": None}

    size: int = arg(values.positive)
    alpha: float = arg(values.number(), 1e-4)
    beta: float = arg(values.number(), 0.75)
    k: float = arg(values.number(), 1.0)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        return Effect(output_shape=x)


@dataclass(frozen=True, slots=True, kw_only=True)
class Dropout(Layer):
    """``torch.nn.Dropout`` and friends: no parameters, shape unchanged."""

    TYPES: ClassVar = {"dropout": None, "dropout1d": None, "dropout2d": None, "dropout3d": None, "alphadropout": None}

    p: float = arg(values.number(0, 1), 0.5)
    inplace: bool = arg(values.boolean, False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        return Effect(output_shape=x)


@dataclass(frozen=True, slots=True, kw_only=True)
class Activation(Layer):
    """Element-wise activations (and Identity): no parameters, shape unchanged.

    Each type accepts the subset of these arguments its torch class has (``ACCEPTS``).
    """

    TYPES: ClassVar = {t: None for t in (
        "relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "mish", "sigmoid", "tanh",
        "hardswish", "hardsigmoid", "softplus", "softmax", "logsoftmax", "identity", "hardtanh", "selu", "celu",
        "logsigmoid", "softsign", "tanhshrink")}
    ACCEPTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "relu": ("inplace",), "relu6": ("inplace",), "silu": ("inplace",), "mish": ("inplace",),
        "hardswish": ("inplace",), "hardsigmoid": ("inplace",), "leakyrelu": ("negative_slope", "inplace"),
        "elu": ("alpha", "inplace"), "gelu": ("approximate",), "softplus": ("beta", "threshold"),
        "softmax": ("dim",), "logsoftmax": ("dim",), "hardtanh": ("min_val", "max_val", "inplace"),
        "selu": ("inplace",), "celu": ("alpha", "inplace"),
    }

    inplace: bool = arg(values.boolean, False)
    negative_slope: float = arg(values.number(), 0.01)
    alpha: float = arg(values.number(), 1.0)
    approximate: str = arg(values.choice("none", "tanh"), "none")
    beta: float = arg(values.number(), 1.0)
    threshold: float = arg(values.number(), 20.0)
    dim: int | None = arg(values.optional(values.any_int), None)
    min_val: float = arg(values.number(), -1.0)
    max_val: float = arg(values.number(), 1.0)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        if self.dim is not None:
            rank = len(x) + 1
            if not -rank <= self.dim < rank:
                raise self.fail(f"dim={self.dim} is out of range for a {rank}-dim input (batch included)")
        return Effect(output_shape=x)


KINDS: tuple[type[Layer], ...] = (
    Conv, ConvTranspose, MaxPool, AvgPool, Subsampling, AdaptivePool, Linear, Flatten, Unflatten,
    BatchNorm, GroupNorm, LayerNorm, InstanceNorm, LocalResponseNorm, Dropout, Activation, PReLU,
    Upsample, Pad, PixelShuffle,
)

#: Short names people type; each maps to a canonical type name.
ALIASES: dict[str, str] = {
    "conv": "conv2d", "convtranspose": "convtranspose2d", "deconv": "convtranspose2d",
    "maxpool": "maxpool2d", "avgpool": "avgpool2d", "adaptiveavgpool": "adaptiveavgpool2d",
    "adaptivemaxpool": "adaptivemaxpool2d", "bn": "batchnorm2d", "batchnorm": "batchnorm2d",
    "fc": "linear", "dense": "linear", "lrn": "localresponsenorm",
}

#: canonical type name → (class, number of spatial dims)
REGISTRY: dict[str, tuple[type[Layer], int | None]] = {
    name: (cls, ndim) for cls in KINDS for name, ndim in cls.TYPES.items()
}


def accepted(cls: type[Layer], type_name: str) -> list[dataclasses.Field]:
    """The arguments a type accepts, in torch's order."""
    fields = arguments(cls)
    only = getattr(cls, "ACCEPTS", None)
    if only is not None:  # in the order ACCEPTS lists, which is torch's
        by_name = {f.name: f for f in fields}
        fields = [by_name[name] for name in only.get(type_name, ())]
    excluded = getattr(cls, "EXCLUDES", {}).get(type_name, ())
    return [f for f in fields if f.name not in excluded]
