"""Layer kinds: one frozen dataclass each, with torch's argument names and order.

A kind declares its arguments as dataclass fields made with :func:`arg`, in
torch's constructor order; that single declaration gives the spec reader its
keys, defaults, value checks and positional order. ``apply`` takes the input
shape (channels first, no batch dim) and returns an :class:`Effect`: the output
shape, the parameter/buffer/MAC counts and the receptive-field geometry. It
raises :class:`NetworkError` where PyTorch would refuse the layer.

Adding a kind touches one place: write the class here (declared with :func:`kind`, which makes it a
dataclass when first used) and list it in ``KINDS``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import records, shapes, values
from .errors import NetworkError
from .records import record
from .records import set_field as _set

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




@record(frozen=True, slots=True)
class Window:
    """Sliding-window geometry per spatial dim, for the receptive-field recurrence.

    ``padding`` is the left (top/front) padding: it sets where the first window starts.
    """

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]

    def __init__(self, kernel, stride, padding, dilation):
        _set(self, "kernel", kernel)  # (the one dataclass would generate, written here: see convcalc.records)
        _set(self, "stride", stride)
        _set(self, "padding", padding)
        _set(self, "dilation", dilation)


@record(frozen=True, slots=True)
class Note:
    """A warning about one layer: a stable code, the message and an optional hint."""

    #: ``inexact-division`` (input pixels dropped; an error under --strict), ``padding-only-division``
    #: (only padding dropped), ``not-flat``, ``receptive-field``, ``unused-argument``
    code: str
    message: str
    hint: str | None = None

    def __init__(self, code, message, hint=None):
        _set(self, "code", code)  # (the one dataclass would generate, written here: see convcalc.records)
        _set(self, "message", message)
        _set(self, "hint", hint)


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


@record(slots=True, kw_only=True)  # not frozen: made once per node, and a frozen __init__ sets each field
class Effect:              # through object.__setattr__, three times slower
    """What one layer does to one sample. Treat it as read-only."""

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
    outputs: tuple[Shape, ...] | None = None  #: every output of an op with several (chunk, split)
    fixed: tuple = ()  #: sizes the module fixes when built (LayerNorm's normalized_shape): a shared call must meet them

    def __init__(self, *, output_shape, weight_shape=None, weights=0, bias=0, extra_params=0, buffers=0, macs=0,
                 connections=0, fc_params=None, receptive=KEEP, warnings=(), outputs=None, fixed=()):
        self.output_shape = output_shape  # (the one dataclass would generate, written here: see convcalc.records)
        self.weight_shape = weight_shape
        self.weights = weights
        self.bias = bias
        self.extra_params = extra_params
        self.buffers = buffers
        self.macs = macs
        self.connections = connections
        self.fc_params = fc_params
        self.receptive = receptive
        self.warnings = warnings
        self.outputs = outputs
        self.fixed = fixed

    @property
    def params(self) -> int:
        return self.weights + self.bias + self.extra_params


@dataclass(frozen=True, slots=True, kw_only=True, init=False)  # (its __init__ is below: every kind's)
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

    # The dataclass methods every kind would otherwise have generated for it when made (see :func:`kind`): the
    # same keyword-only __init__, comparisons, hash and repr, written once over the fields of the instance's own
    # class (convcalc.records). Generating them took two thirds of a kind's making, 0.7 ms of a start-up each.
    __init__ = records.init
    __eq__ = records.eq
    __hash__ = records.hash_
    __repr__ = records.repr_

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

    def expect_leading(self, x: Shape) -> int:
        """Layers that act on the last ``ndim`` dims of a tensor of any rank (a constant pad, an adaptive average
        pool, a pixel shuffle, as torch runs them): ``C × … × spatial`` with at least ``ndim`` spatial dims; the
        number of dims in front of the last ``ndim`` (1: just C)."""
        if len(x) < self.ndim + 1:
            want = ["C", "CxL", "CxHxW", "CxDxHxW"][self.ndim]
            raise self.fail(f"expects a {want} input, or more dims in front ({self.ndim + 1} dims or more without "
                            f"batch), got {dims(x)}")
        return len(x) - self.ndim

    def check_given(self, argname: str, given: int | None, actual: int, what: str) -> None:
        if given is not None and given != actual:
            raise self.fail(f"{argname}={given} but the previous layer gives {actual} {what}", f"set {argname}={actual}")


def kind(cls: type[Layer]) -> type[Layer]:
    """Declare a layer kind (or a base of kinds): written as a frozen, keyword-only dataclass, and made one
    where it is first used — instantiated, or its fields asked for — rather than at import. Making a
    dataclass generates its methods, about a millisecond a kind; a run uses a few of the kinds.

    The class stays the same object throughout (``isinstance`` and :data:`REGISTRY` hold it from the
    start); until made, its ``__init__`` and ``__dataclass_fields__`` make it first."""
    cls.__init__ = _init_on_first_use
    cls.__dataclass_fields__ = _FieldsOnFirstUse()
    return cls


def _made(cls: type) -> type:
    """``cls`` made the dataclass its declaration describes (its lazy bases first), in place."""
    for base in reversed(cls.__mro__):
        if isinstance(base.__dict__.get("__dataclass_fields__"), _FieldsOnFirstUse):
            del base.__init__, base.__dataclass_fields__
            # (Layer's own __init__, __eq__, __hash__ and __repr__ serve: a third of the time)
            dataclass(frozen=True, kw_only=True, init=False, eq=False, repr=False)(base)
    return cls


def _init_on_first_use(self, *args, **kwargs) -> None:
    _made(type(self)).__init__(self, *args, **kwargs)


class _FieldsOnFirstUse:
    """``__dataclass_fields__`` of a kind not yet made (what :func:`dataclasses.fields` reads): makes it."""

    def __get__(self, instance, owner: type) -> dict[str, dataclasses.Field]:
        return _made(owner).__dataclass_fields__


def arguments(cls: type[Layer]) -> list[dataclasses.Field]:
    """The user-settable fields of a kind, in torch's order."""
    return [f for f in dataclasses.fields(cls) if "parse" in f.metadata]


_prod = math.prod


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
@kind
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


@kind
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
@kind
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


@kind
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


@kind
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


@kind
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


@kind
class AdaptivePool(Layer):
    """``torch.nn.AdaptiveAvgPool*d`` / ``AdaptiveMaxPool*d``: a fixed output size (null keeps a dim)."""

    TYPES: ClassVar = {f"adaptive{kind}pool{n}d": n for kind in ("avg", "max") for n in (1, 2, 3)}
    EXCLUDES: ClassVar = {f"adaptiveavgpool{n}d": ("return_indices",) for n in (1, 2, 3)}  # torch's avg has none

    output_size: tuple[int | None, ...] = arg(values.output_size)
    return_indices: bool = arg(values.boolean, False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        lead = 1
        if self.ndim > 1 and "avg" in self.type and len(x) > self.ndim + 1 and all(
                (i if o is None else o) == 1 for i, o in zip(x[-self.ndim:], self.output_size)):
            lead = len(x) - self.ndim  # torch averages to 1×1 (×1) as a mean over the last dims, of any rank
        else:
            self.expect_spatial(x)
        if self.return_indices and "max" not in self.type:
            raise self.fail("return_indices applies only to adaptive max pooling")
        sizes = x[lead:]
        out = tuple(i if o is None else o for i, o in zip(sizes, self.output_size))
        windows = [shapes.adaptive_pool_window(i, o) for i, o in zip(sizes, out)]
        warnings = []
        keep = (1,) * (lead - 1)  # dims in front of the pooled ones (beyond C) are kept as they are
        if all(windows):
            receptive: Window | str = Window(keep + tuple(w[0] for w in windows), keep + tuple(w[1] for w in windows),
                                             (0,) * (len(x) - 1), (1,) * (len(x) - 1))
        else:
            receptive = UNKNOWN
            warnings.append(Note("receptive-field", f"input {dims(sizes)} is not a multiple of the output {dims(out)}: "
                                 "the pooling windows differ in size, so the receptive field is left unknown from here on"))
        return Effect(output_shape=(*x[:lead], *out), receptive=receptive, warnings=tuple(warnings))


# ----------------------------------------------------------------------------
# Dense, reshaping and normalisation
# ----------------------------------------------------------------------------
@kind
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


@kind
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


@kind
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


@kind
class InstanceNorm(BatchNorm):
    """``torch.nn.InstanceNorm1d/2d/3d``: BatchNorm's arguments with affine and track_running_stats off by
    default; a C × spatial input."""

    TYPES: ClassVar = {"instancenorm1d": 1, "instancenorm2d": 2, "instancenorm3d": 3}

    affine: bool = arg(values.boolean, False, positional=False)
    track_running_stats: bool = arg(values.boolean, False, positional=False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        self.expect_spatial(x)
        if _prod(x[1:]) == 1 and not self.track_running_stats:
            # torch normalises over the spatial positions from the input itself: one position has no spread
            raise self.fail(f"expects more than 1 spatial element, got {dims(x[1:])} (torch: 'Expected more than "
                            "1 spatial element when training')", "use a larger input, or track_running_stats=true "
                                                                 "(eval mode)")
        return self.normalise(x)


@kind
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
        warnings = []
        if self.num_channels is not None and self.num_channels % self.num_groups:  # torch's __init__ refuses it
            raise self.fail(f"num_groups={self.num_groups} does not divide num_channels={self.num_channels}")
        if self.affine:  # the weight has num_channels elements: F.group_norm checks them against the input
            self.check_given("num_channels", self.num_channels, c, "channels")
        elif self.num_channels is not None and self.num_channels != c:
            warnings.append(Note("unused-argument", f"num_channels={self.num_channels} but the input has {c} "
                                 "channels (torch does not check it without affine)", f"set num_channels={c}"))
        if c % self.num_groups:
            raise self.fail(f"num_groups={self.num_groups} does not divide the {c} channels")
        return Effect(output_shape=x, extra_params=(2 if self.bias else 1) * c if self.affine else 0,
                      warnings=tuple(warnings))


@kind
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
        return Effect(output_shape=x, extra_params=params, fixed=shape)


@kind
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


@kind
class Upsample(Layer):
    """``torch.nn.Upsample``: to ``size``, or ``floor(in · scale_factor)`` per spatial dim; no parameters."""

    TYPES: ClassVar = {"upsample": None, "upsamplingnearest2d": None, "upsamplingbilinear2d": None, "interpolate": None}

    ACCEPTS: ClassVar = {"upsample": ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
                         "interpolate": ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
                         "upsamplingnearest2d": ("size", "scale_factor"),
                         "upsamplingbilinear2d": ("size", "scale_factor")}
    #: interpolation modes and the number of spatial dims each takes (None: 1 to 3)
    MODES: ClassVar = {"nearest": None, "area": None, "nearest-exact": None, "linear": 1, "bilinear": 2,
                       "bicubic": 2, "trilinear": 3}

    size: int | tuple[int, ...] | None = arg(values.optional(values.int_or_list), None)
    scale_factor: tuple[float, ...] | float | None = arg(values.optional(values.scales), None)
    mode: str = arg(values.choice("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"),
                    "nearest")
    align_corners: bool | None = arg(values.optional(values.boolean), None)
    recompute_scale_factor: bool | None = arg(values.optional(values.boolean), None)

    REFERENCE: ClassVar = True  #: may read a second tensor and resize to its spatial size

    def apply_many(self, xs: list[Shape], names: list[str], convention: str = "torch") -> Effect:
        """``from: [x, like]`` without size or scale_factor: resize x to like's spatial size
        (``F.interpolate(x, size=like.shape[2:])``)."""
        x, like = xs
        if self.size is not None or self.scale_factor is not None:
            raise self.fail(f"give size/scale_factor or a second input ({names[1]}) to take the size from, not both")
        if len(like) != len(x):
            raise self.fail(f"{names[1]} gives {dims(like)} but {names[0]} gives {dims(x)}; taking its size needs "
                            "the same number of dims")
        return dataclasses.replace(self, size=like[1:]).apply(x, convention)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        spatial = x[1:]
        if not spatial:
            raise self.fail(f"expects a C x spatial input, got {dims(x)}")
        if (self.size is None) == (self.scale_factor is None):
            raise self.fail("give exactly one of size and scale_factor")
        mode = {"upsamplingnearest2d": "nearest", "upsamplingbilinear2d": "bilinear"}.get(self.type, self.mode)
        if not 1 <= len(spatial) <= 3:
            raise self.fail(f"interpolates 1 to 3 spatial dims, got {len(spatial)} ({dims(x)})")
        wanted = self.MODES[mode]
        if wanted is not None and wanted != len(spatial):
            raise self.fail(f"mode={mode!r} interpolates {wanted} spatial dim{'s' if wanted > 1 else ''}, but the "
                            f"input {dims(x)} has {len(spatial)}",
                            f"use mode={ {1: 'linear', 2: 'bilinear', 3: 'trilinear'}[len(spatial)]!r} or 'nearest'")
        if self.align_corners is not None and wanted is None:
            raise self.fail(f"align_corners applies only to the interpolating modes (linear, bilinear, bicubic, "
                            f"trilinear), not mode={mode!r}", "leave align_corners out")
        given = self.size if self.size is not None else self.scale_factor
        if isinstance(given, tuple) and len(given) != len(spatial):
            what = "size" if self.size is not None else "scale_factor"
            raise self.fail(f"{what} gives {len(given)} dims but the input has {len(spatial)} spatial dims",
                            f"give {len(spatial)} values, or one number for every dim")
        if self.size is not None:
            out = self.size if isinstance(self.size, tuple) else (self.size,) * len(spatial)
        else:
            scales = given if isinstance(given, tuple) else (given,) * len(spatial)
            out = tuple(math.floor(i * s) for i, s in zip(spatial, scales))
        if any(o < 1 for o in out):
            raise self.fail(f"output size {dims(out)} is empty")
        return Effect(output_shape=(x[0], *out), receptive=UNKNOWN, warnings=(Note(
            "receptive-field", "the receptive field is not defined through upsampling; it is left unknown from "
            "here on"),))


@kind
class Pad(Layer):
    """``torch.nn.ZeroPad*d`` / ``ConstantPad*d`` / ``ReflectionPad*d`` / ``ReplicationPad*d`` /
    ``CircularPad*d``: ``padding`` is an int or, as torch, (left, right[, top, bottom[, front, back]])
    starting from the last dim; negative values crop."""

    TYPES: ClassVar = {f"{kind}pad{n}d": n for kind in ("zero", "constant", "reflection", "replication", "circular")
                       for n in (1, 2, 3)}

    EXCLUDES: ClassVar = {t: ("value",) for t in TYPES if not t.startswith("constant")}  # only ConstantPad has it

    padding: tuple[int, ...] = arg(values.pad_widths)
    value: float = arg(values.number(), 0.0)

    def pads(self) -> list[tuple[int, int]]:
        """(before, after) per spatial dim, first dim first."""
        p = self.padding * (2 * self.ndim) if len(self.padding) == 1 else self.padding
        if len(p) != 2 * self.ndim:
            raise self.fail(f"padding needs 1 or {2 * self.ndim} values, got {len(p)}")
        return [(p[2 * i], p[2 * i + 1]) for i in range(self.ndim)][::-1]

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        pads = self.pads()
        mode = {"zero": "constant", "reflection": "reflect", "replication": "replicate"}.get(
            self.type[:-5], self.type[:-5])
        # a constant pad pads the last dims of a tensor of any rank (torch's reflection, replication and
        # circular pads take C × spatial only)
        lead = self.expect_leading(x) if mode == "constant" else 1
        if lead == 1:
            self.expect_spatial(x)
        sizes = x[lead:]
        _check_pads(self, mode, pads, sizes)
        out = tuple(i + b + a for (b, a), i in zip(pads, sizes))
        if any(o < 1 for o in out):
            raise self.fail(f"the padding crops the input {dims(sizes)} to nothing ({dims(out)})")
        n = len(x) - 1  # the field's dims: those in front of the padded ones (beyond C) are kept as they are
        return Effect(output_shape=(*x[:lead], *out),
                      receptive=Window((1,) * n, (1,) * n, (0,) * (lead - 1) + tuple(b for b, _ in pads), (1,) * n))


def _check_pads(layer: Layer, mode: str, pairs, sizes) -> None:
    """torch's limits on padding (before, after) per dim: a constant pad crops first, so a crop may not
    exceed the size; reflection needs pads smaller than the size, circular at most the size."""
    for (b, a), i in zip(pairs, sizes):
        if i + min(b, 0) + min(a, 0) < 0:
            raise layer.fail(f"padding ({b}, {a}) crops more than the {i} there are (torch crops before it pads)")
        if mode == "reflect" and max(b, a) >= i:
            raise layer.fail(f"reflection padding ({b}, {a}) must be smaller than the input size {i}")
        if mode == "circular" and max(b, a) > i:
            raise layer.fail(f"circular padding ({b}, {a}) may wrap around at most once: at most the input size {i}")


@kind
class PixelShuffle(Layer):
    """``torch.nn.PixelShuffle``: C·r² × H × W → C × H·r × W·r."""

    TYPES: ClassVar = {"pixelshuffle": 2}

    upscale_factor: int = arg(values.positive)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        lead = self.expect_leading(x)  # torch's pixel shuffle takes any dims in front of C × H × W
        *front, c, h, w = x
        r = self.upscale_factor
        if c % (r * r):
            raise self.fail(f"{c} channels are not divisible by upscale_factor² = {r * r}")
        return Effect(output_shape=(*front, c // (r * r), h * r, w * r), receptive=UNKNOWN, warnings=(Note(
            "receptive-field", "the receptive field is not defined through a pixel shuffle; it is left unknown"),))


@kind
class Unflatten(Layer):
    """``torch.nn.Unflatten``: split ``dim`` (counted with the batch dim) into ``unflattened_size``."""

    TYPES: ClassVar = {"unflatten": None}

    dim: int = arg(values.any_int)
    unflattened_size: tuple[int, ...] = arg(values.reshape_shape)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        rank = len(x) + 1
        d = self.dim + rank if self.dim < 0 else self.dim
        if not 1 <= d < rank:
            raise self.fail(f"dim={self.dim} is out of range for a {rank}-dim input (batch included)")
        if -1 in self.unflattened_size:  # torch infers it
            known = _prod(v for v in self.unflattened_size if v != -1)
            if x[d - 1] % known:
                raise self.fail(f"unflattened_size {dims(self.unflattened_size)} does not fit the {x[d - 1]} "
                                f"elements of dim {self.dim}")
            sizes = tuple(x[d - 1] // known if v == -1 else v for v in self.unflattened_size)
            return Effect(output_shape=(*x[:d - 1], *sizes, *x[d:]), receptive=UNKNOWN)
        if _prod(self.unflattened_size) != x[d - 1]:
            raise self.fail(f"unflattened_size {dims(self.unflattened_size)} has {_prod(self.unflattened_size)} "
                            f"elements but dim {self.dim} has {x[d - 1]}")
        return Effect(output_shape=(*x[:d - 1], *self.unflattened_size, *x[d:]), receptive=UNKNOWN)


@kind
class LocalResponseNorm(Layer):
    """``torch.nn.LocalResponseNorm``: no parameters, shape unchanged (AlexNet, GoogLeNet)."""

    TYPES: ClassVar = {"localresponsenorm": None}

    size: int = arg(values.positive)
    alpha: float = arg(values.number(), 1e-4)
    beta: float = arg(values.number(), 0.75)
    k: float = arg(values.number(), 1.0)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        if len(x) < 2:
            raise self.fail(f"expects channels and at least one more dim, got {dims(x)} (torch: 'Expected 3D or "
                            "higher dimensionality input')")
        return Effect(output_shape=x)


@kind
class Dropout(Layer):
    """``torch.nn.Dropout`` and friends: no parameters, shape unchanged."""

    TYPES: ClassVar = {"dropout": None, "dropout1d": None, "dropout2d": None, "dropout3d": None, "alphadropout": None}

    p: float = arg(values.number(0, 1), 0.5)
    inplace: bool = arg(values.boolean, False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        if self.type == "dropout1d" and len(x) != 2:
            raise self.fail(f"expects a C x L input, got {dims(x)} (torch: dropout1d takes (N, C, L))")
        return Effect(output_shape=x)


@kind
class Activation(Layer):
    """Element-wise activations (and Identity): no parameters, shape unchanged.

    Each type accepts the subset of these arguments its torch class has (``ACCEPTS``).
    """

    TYPES: ClassVar = {t: None for t in (
        "relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "mish", "sigmoid", "tanh",
        "hardswish", "hardsigmoid", "softplus", "softmax", "logsoftmax", "identity", "hardtanh", "selu", "celu",
        "logsigmoid", "softsign", "tanhshrink", "abs")}
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
        if self.type == "hardtanh" and self.max_val <= self.min_val:
            raise self.fail(f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")
        if self.dim is not None:
            rank = len(x) + 1
            if not -rank <= self.dim < rank:
                raise self.fail(f"dim={self.dim} is out of range for a {rank}-dim input (batch included)")
        return Effect(output_shape=x)


# ----------------------------------------------------------------------------
# Graph nodes without parameters: merges of several tensors and tensor ops
# (what forward() code does between layers). Dims that torch counts with the
# batch dim (permute, transpose, squeeze, unsqueeze, mean, sum, chunk, split,
# concat) are counted with it here too; the batch dim itself is never moved.
# ----------------------------------------------------------------------------
def _batch_dim(layer: Layer, dim: int, rank: int, argname: str = "dim", *, allow_end: bool = False) -> int:
    """A dim counted with the batch dim (negative from the end) → its index in the shape without batch."""
    top = rank + 1 if allow_end else rank
    d = dim + top if dim < 0 else dim
    if not 0 <= d < top:
        raise layer.fail(f"{argname}={dim} is out of range for a {rank}-dim tensor (batch included)")
    if d == 0:  # refused as flatten's start_dim=0 is
        raise layer.fail(f"{argname}={dim} is the batch dim, which convcalc does not model",
                         "use a dim from 1 on (1 = channels)")
    return d - 1


def _fix_hint(a: str, sa: Shape, b: str, sb: Shape) -> str | None:
    """How to make two spatial shapes agree: crop the larger or pad the smaller."""
    if len(sa) != len(sb) or len(sa) < 2 or sa[0] != sb[0]:
        return None
    diffs = [x - y for x, y in zip(sa[1:], sb[1:])]
    if all(d >= 0 for d in diffs):
        big, small, diffs = a, b, diffs
    elif all(d <= 0 for d in diffs):
        big, small, diffs = b, a, [-d for d in diffs]
    else:
        return None
    if len(set(diffs)) == 1:
        d = diffs[0]
        by = f"by {d // 2} on each side" if d % 2 == 0 else f"by {d} ({d // 2} before, {d - d // 2} after)"
        return f"crop {big} {by}, or pad {small} {by}"
    return f"crop {big} or pad {small} by {dims(tuple(diffs))} in all"


@kind
class Merge(Layer):
    """``torch.cat`` (``concat``) and the element-wise ``+``, ``−``, ``*`` of several tensors (``from: [a, b]``).

    ``concat`` needs every dim but ``dim`` (counted with the batch dim, default 1: channels) to agree;
    ``add``/``sub``/``mul`` follow torch's broadcasting: per dim, equal sizes or one of them 1."""

    TYPES: ClassVar = {"concat": None, "add": None, "sub": None, "mul": None}
    EXCLUDES: ClassVar = {"add": ("dim",), "sub": ("dim",), "mul": ("dim",)}
    MANY: ClassVar = True  #: reads several tensors

    dim: int = arg(values.any_int, 1)
    #: what it does when ``type`` is a tree block's name (``inception`` joins with ``concat``)
    op: str = ""

    @property
    def kind(self) -> str:
        return self.op or self.type

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        return self.apply_many([x], ["its input"], convention)

    def apply_many(self, xs: list[Shape], names: list[str], convention: str = "torch") -> Effect:
        first, name0 = xs[0], names[0]
        for name, x in zip(names[1:], xs[1:]):
            if len(x) != len(first):
                raise self.fail(f"{name} gives {dims(x)} but {name0} gives {dims(first)}; the tensors must have "
                                "the same number of dims", "reshape, flatten or unsqueeze one of them")
        if self.kind == "concat":
            d = _batch_dim(self, self.dim, len(first) + 1)
            for name, x in zip(names[1:], xs[1:]):
                if x[:d] + x[d + 1:] != first[:d] + first[d + 1:]:
                    raise self.fail(f"{name} gives {dims(x)} but {name0} gives {dims(first)}; all dims but dim "
                                    f"{self.dim} must agree", _fix_hint(name0, first, name, x) if d == 0 else None)
            out = (*first[:d], sum(x[d] for x in xs), *first[d + 1:])
        else:
            out = first
            for name, x in zip(names[1:], xs[1:]):
                if any(p != q and p != 1 and q != 1 for p, q in zip(out, x)):
                    hint = _fix_hint(name0, first, name, x)
                    if name == "the identity shortcut" and len(x) > 1:
                        s = [a // b if b and a % b == 0 else None for a, b in zip(x[1:], first[1:])]
                        stride = f", stride={s[0]}" if s and s[0] and s[0] > 1 and len(set(s)) == 1 else ""
                        hint = f"add a projection shortcut as a second branch: [conv{len(x) - 1}d({first[0]}, 1{stride})]"
                    elif hint is None and first[1:] == x[1:] and len(x) > 1:
                        hint = f"project {name} to {first[0]} channels (a 1x1 conv)"
                    op = {"add": "added", "sub": "subtracted", "mul": "multiplied"}[self.kind]
                    raise self.fail(f"{name} gives {dims(x)} but {name0} gives {dims(first)}; {op} tensors must "
                                    "match in every dim or be 1 there (broadcasting)", hint)
                out = tuple(max(p, q) if min(p, q) != 0 else 0 for p, q in zip(out, x))
        return Effect(output_shape=out)


@kind
class Reshape(Layer):
    """``x.view(…)`` / ``x.reshape(…)``: ``shape`` WITHOUT the batch dim; one entry may be −1."""

    TYPES: ClassVar = {"reshape": None, "view": None}

    shape: tuple[int, ...] = arg(values.reshape_shape)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        n = _prod(x)
        known = _prod(v for v in self.shape if v != -1)
        if -1 in self.shape:
            if known == 0 or n % known:
                raise self.fail(f"shape {dims(self.shape)} does not fit the {n:,} elements of {dims(x)}")
            out = tuple(n // known if v == -1 else v for v in self.shape)
        else:
            out = self.shape
        if _prod(out) != n:
            raise self.fail(f"shape {dims(self.shape)} has {_prod(out):,} elements but the input {dims(x)} has {n:,}",
                            "use -1 for the dim to infer")
        return Effect(output_shape=out, receptive=KEEP if out == x else RESET if len(out) == 1 else UNKNOWN)


@kind
class Permute(Layer):
    """``x.permute(…)``: ``dims`` WITH the batch dim, which must stay first."""

    TYPES: ClassVar = {"permute": None}

    dims: tuple[int, ...] = arg(values.any_int_list)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        rank = len(x) + 1
        order = tuple(d + rank if d < 0 else d for d in self.dims)
        if sorted(order) != list(range(rank)):
            raise self.fail(f"dims {list(self.dims)} is not a permutation of the {rank} dims (batch included)")
        if order[0] != 0:
            _batch_dim(self, 0, rank, "dims[0]")  # raises: moving the batch dim is not modelled
        out = tuple(x[d - 1] for d in order[1:])
        return Effect(output_shape=out, receptive=KEEP if order == tuple(range(rank)) else UNKNOWN)


@kind
class Transpose(Layer):
    """``x.transpose(dim0, dim1)``: dims WITH the batch dim."""

    TYPES: ClassVar = {"transpose": None}

    dim0: int = arg(values.any_int)
    dim1: int = arg(values.any_int)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        a = _batch_dim(self, self.dim0, len(x) + 1, "dim0")
        b = _batch_dim(self, self.dim1, len(x) + 1, "dim1")
        out = list(x)
        out[a], out[b] = out[b], out[a]
        return Effect(output_shape=tuple(out), receptive=KEEP if a == b else UNKNOWN)


@kind
class Squeeze(Layer):
    """``x.squeeze(dim)`` / ``x.unsqueeze(dim)``: dims WITH the batch dim. ``squeeze`` without a dim drops every
    size-1 dim but the batch dim."""

    TYPES: ClassVar = {"squeeze": None, "unsqueeze": None}

    dim: int | None = arg(values.optional(values.any_int), None)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        if self.type == "unsqueeze":
            if self.dim is None:
                raise self.fail("unsqueeze needs dim")
            d = _batch_dim(self, self.dim, len(x) + 1, allow_end=True)
            out = (*x[:d], 1, *x[d:])
        elif self.dim is None:
            out = tuple(v for v in x if v != 1)
        else:
            d = _batch_dim(self, self.dim, len(x) + 1)
            out = x[:d] + x[d + 1:] if x[d] == 1 else x
        if not out:
            raise self.fail(f"squeezing {dims(x)} leaves only the batch dim, which convcalc does not model as a "
                            "tensor of its own", "squeeze a given dim")
        return Effect(output_shape=out, receptive=KEEP if out == x else RESET if len(out) == 1 else UNKNOWN)


@kind
class Reduce(Layer):
    """``x.mean(dim, keepdim)`` / ``x.sum(dim, keepdim)`` / ``x.amax(dim, keepdim)`` (a max pool over whole dims, as
    timm's heads and Hiera's mask units take it): dims WITH the batch dim."""

    TYPES: ClassVar = {"mean": None, "sum": None, "amax": None}

    dim: tuple[int, ...] = arg(values.any_int_list)
    keepdim: bool = arg(values.boolean, False)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        reduced = {_batch_dim(self, d, len(x) + 1) for d in self.dim}
        if len(reduced) != len(self.dim):
            raise self.fail(f"dim {list(self.dim)} names a dim twice")
        if self.keepdim:
            out = tuple(1 if i in reduced else v for i, v in enumerate(x))
        else:
            out = tuple(v for i, v in enumerate(x) if i not in reduced)
        if not out:
            raise self.fail(f"reducing every dim of {dims(x)} leaves only the batch dim", "reduce fewer dims")
        receptive: Window | str = UNKNOWN
        if self.keepdim and reduced == {0}:
            receptive = KEEP  # over the channels only: every output position sees the same window as before
        elif self.keepdim and 0 not in reduced:
            k = tuple(x[i] if i in reduced else 1 for i in range(1, len(x)))
            receptive = Window(k, k, (0,) * len(k), (1,) * len(k))  # a global pool over the reduced dims
        elif len(out) == 1:
            receptive = RESET
        return Effect(output_shape=out, receptive=receptive)


@kind
class Split(Layer):
    """``torch.chunk(x, chunks, dim)`` and ``torch.split(x, split_size_or_sections, dim)``: several outputs,
    read as ``name[i]`` (or a ``getitem`` node). ``dim`` WITH the batch dim, default 1 (channels)."""

    TYPES: ClassVar = {"chunk": None, "split": None}
    EXCLUDES: ClassVar = {"chunk": ("split_size_or_sections",), "split": ("chunks",)}

    chunks: int = arg(values.positive, 2)
    split_size_or_sections: int | tuple[int, ...] = arg(values.sections, 1)
    dim: int = arg(values.any_int, 1)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        d = _batch_dim(self, self.dim, len(x) + 1)
        n = x[d]
        if self.type == "chunk":
            size = -(-n // self.chunks)
            sizes = [min(size, n - i) for i in range(0, n, size)]
        elif isinstance(self.split_size_or_sections, tuple):
            sizes = list(self.split_size_or_sections)
            if sum(sizes) != n:
                raise self.fail(f"sections {list(sizes)} add up to {sum(sizes)} but dim {self.dim} has {n}")
        else:
            size = self.split_size_or_sections
            sizes = [min(size, n - i) for i in range(0, n, size)]
        pieces = tuple((*x[:d], s, *x[d + 1:]) for s in sizes)
        return Effect(output_shape=pieces[0], outputs=pieces, receptive=KEEP if d == 0 else UNKNOWN)


@kind
class GetItem(Layer):
    """One output of a ``chunk``/``split`` node (``from: parts`` with ``index: 1`` is ``from: parts[1]``)."""

    TYPES: ClassVar = {"getitem": None}

    index: int = arg(values.any_int)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        return Effect(output_shape=x)


@kind
class PadOp(Layer):
    """``F.pad(x, pad, mode, value)``: ``pad`` as torch orders it, last dim first; negative values crop
    (constant mode)."""

    TYPES: ClassVar = {"pad": None}
    REFERENCE: ClassVar = True  #: may read a second tensor and pad (or crop) to its spatial size

    pad: tuple[int, ...] | None = arg(values.optional(values.pad_widths), None)
    mode: str = arg(values.choice("constant", "reflect", "replicate", "circular"), "constant")
    value: float = arg(values.number(), 0.0)

    def apply_many(self, xs: list[Shape], names: list[str], convention: str = "torch") -> Effect:
        """``from: [x, like]`` without ``pad``: pad (or crop, where x is larger) x's spatial dims to like's,
        ``diff // 2`` before and the rest after — what U-Net code does before ``torch.cat``."""
        x, like = xs
        if self.pad is not None:
            raise self.fail(f"give pad or a second input ({names[1]}) to pad to, not both")
        if len(x) != len(like):
            raise self.fail(f"{names[1]} gives {dims(like)} but {names[0]} gives {dims(x)}; padding to its size "
                            "needs the same number of dims")
        pad: list[int] = []
        for i, t in zip(reversed(x[1:]), reversed(like[1:])):
            diff = t - i
            pad += [diff // 2, diff - diff // 2]
        return dataclasses.replace(self, pad=tuple(pad)).apply(x, convention)

    def apply(self, x: Shape, convention: str = "torch") -> Effect:
        if self.pad is None:
            raise self.fail("give pad (torch's order, last dim first), or from: [x, like] to pad x to like's size")
        if len(self.pad) % 2 or len(self.pad) // 2 > len(x):
            raise self.fail(f"pad has {len(self.pad)} values; it needs pairs (before, after) for at most the "
                            f"{len(x)} dims after the batch dim")
        pairs = [(self.pad[2 * i], self.pad[2 * i + 1]) for i in range(len(self.pad) // 2)][::-1]
        pairs = [(0, 0)] * (len(x) - len(pairs)) + pairs  # first dim first
        n = len(self.pad) // 2
        if self.mode != "constant" and (not 1 <= n <= 3 or n not in (len(x) - 1, len(x))):
            raise self.fail(f"mode={self.mode!r} pads the last 1 to 3 dims of a tensor with one or two dims more; "
                            f"{n} pair{'s' if n > 1 else ''} do not fit {dims(x)} (torch: 'Padding size {2 * n} is "
                            f"not supported for {len(x) + 1}D input tensor')")
        _check_pads(self, self.mode, pairs, x)
        out = tuple(i + b + a for (b, a), i in zip(pairs, x))
        if any(o < 1 for o in out):
            raise self.fail(f"the padding crops {dims(x)} to nothing ({dims(out)})")
        spatial = pairs[1:]
        n = len(spatial)
        return Effect(output_shape=out,
                      receptive=Window((1,) * n, (1,) * n, tuple(b for b, _ in spatial), (1,) * n) if n else KEEP)


KINDS: tuple[type[Layer], ...] = (
    Conv, ConvTranspose, MaxPool, AvgPool, Subsampling, AdaptivePool, Linear, Flatten, Unflatten,
    BatchNorm, GroupNorm, LayerNorm, InstanceNorm, LocalResponseNorm, Dropout, Activation, PReLU,
    Upsample, Pad, PixelShuffle,
    Merge, Reshape, Permute, Transpose, Squeeze, Reduce, Split, GetItem, PadOp,
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


#: canonical type name → torch.nn class name, for every type that is a torch.nn class (not subsampling2d)
TORCH_NAMES: dict[str, str] = {
    **{f"conv{n}d": f"Conv{n}d" for n in (1, 2, 3)},
    **{f"convtranspose{n}d": f"ConvTranspose{n}d" for n in (1, 2, 3)},
    **{f"maxpool{n}d": f"MaxPool{n}d" for n in (1, 2, 3)},
    **{f"avgpool{n}d": f"AvgPool{n}d" for n in (1, 2, 3)},
    **{f"adaptive{k}pool{n}d": f"Adaptive{k.capitalize()}Pool{n}d" for k in ("avg", "max") for n in (1, 2, 3)},
    **{f"batchnorm{n}d": f"BatchNorm{n}d" for n in (1, 2, 3)},
    **{f"instancenorm{n}d": f"InstanceNorm{n}d" for n in (1, 2, 3)},
    **{f"{k}pad{n}d": f"{k.capitalize()}Pad{n}d" for k in ("zero", "constant", "reflection", "replication", "circular")
       for n in (1, 2, 3)},
    "linear": "Linear", "flatten": "Flatten", "unflatten": "Unflatten", "groupnorm": "GroupNorm",
    "layernorm": "LayerNorm", "localresponsenorm": "LocalResponseNorm", "prelu": "PReLU", "upsample": "Upsample",
    "upsamplingnearest2d": "UpsamplingNearest2d", "upsamplingbilinear2d": "UpsamplingBilinear2d",
    "pixelshuffle": "PixelShuffle", "dropout": "Dropout", "dropout1d": "Dropout1d", "dropout2d": "Dropout2d",
    "dropout3d": "Dropout3d", "alphadropout": "AlphaDropout", "relu": "ReLU", "relu6": "ReLU6",
    "leakyrelu": "LeakyReLU", "elu": "ELU", "gelu": "GELU", "silu": "SiLU", "mish": "Mish", "sigmoid": "Sigmoid",
    "tanh": "Tanh", "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid", "softplus": "Softplus",
    "softmax": "Softmax", "logsoftmax": "LogSoftmax", "identity": "Identity", "hardtanh": "Hardtanh", "selu": "SELU",
    "celu": "CELU", "logsigmoid": "LogSigmoid", "softsign": "Softsign", "tanhshrink": "Tanhshrink",
}
