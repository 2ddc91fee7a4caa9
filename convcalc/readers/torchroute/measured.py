"""The ``opaque`` layer kind: a step convcalc has no formula for, with the numbers torch measured.

The torch route (``--torch``) turns every module and tensor op of a traced model into convcalc's plain
spec data. A module kind or function without a convcalc formula (``nn.LSTM``, ``torch.matmul``, a custom
module that owns parameters) becomes an ``opaque`` element carrying what torch measured when it ran it on
meta tensors: the input and output shapes (without the batch dim), the parameters and buffers it holds and
the MACs torch's FLOP counter saw (half its FLOPs)::

    {type: opaque, name: attn, op: nn.MultiheadAttention, input_shapes: [[196, 768]],
     output_shape: [196, 768], params: 2362368, macs: 115605504}

Its receptive field is unknown (``elementwise: true`` keeps it: a step whose output element depends only on
the same input element, such as ``x * 0.5``), and it holds only for the input shapes it was measured on:
another ``--input`` is refused with the command that measures it again.

Importing this module registers the kind (``opaque``; ``opaque-merge`` for a step that reads three tensors
or more) in :data:`convcalc.layers.REGISTRY`; nothing else imports it, so the torch-free readers never
accept it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ... import layers as L
from ... import values


def _text(value: Any, ndim: int) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value


def _count(value: Any, ndim: int) -> int:
    """A count torch measured (parameters, buffers, MACs): a non-negative int of any size."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a non-negative integer, got {value!r}")
    return value


def _shape(value: Any, ndim: int) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"must be a non-empty list of sizes, got {value!r}")
    return tuple(values.non_negative(v, ndim) for v in value)


def _shapes(value: Any, ndim: int) -> tuple[tuple[int, ...], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"must be a non-empty list of shapes, got {value!r}")
    return tuple(_shape(v, ndim) for v in value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measured(L.Layer):
    """A step torch ran and measured (see the module docstring). Reads one tensor, or two (``from: [a, b]``)."""

    TYPES: ClassVar = {"opaque": None}
    REFERENCE: ClassVar = True  #: the builder lets it read a second tensor

    op: str = L.arg(_text, keyword_only=True)  #: what torch ran: ``nn.LSTM``, ``torch.matmul``, ``Tensor.exp``
    input_shapes: tuple[tuple[int, ...], ...] = L.arg(_shapes, keyword_only=True)  #: measured, without batch
    output_shape: tuple[int, ...] = L.arg(_shape, keyword_only=True)  #: measured, without batch
    outputs: tuple[tuple[int, ...], ...] | None = L.arg(values.optional(_shapes), None, keyword_only=True)
    params: int = L.arg(_count, 0, keyword_only=True)  #: parameters it holds (first call)
    buffers: int = L.arg(_count, 0, keyword_only=True)
    macs: int = L.arg(_count, 0, keyword_only=True)  #: torch's FLOP counter / 2, per sample
    elementwise: bool = L.arg(values.boolean, False, keyword_only=True)  #: output i depends on input i only

    def apply(self, x: L.Shape, convention: str = "torch") -> L.Effect:
        return self.apply_many([x], ["its input"], convention)

    def apply_many(self, xs: list[L.Shape], names: list[str], convention: str = "torch") -> L.Effect:
        measured = list(self.input_shapes)
        if len(xs) != len(measured) or any(tuple(x) != m for x, m in zip(xs, measured)):
            got = ", ".join(L.dims(x) for x in xs)
            want = ", ".join(L.dims(m) for m in measured)
            raise self.fail(f"{self.op} was measured by torch on {want}, not {got}; convcalc has no formula for it",
                            "run the command again with --torch and this --input to measure it there")
        return L.Effect(output_shape=self.output_shape, outputs=self.outputs, extra_params=self.params,
                        buffers=self.buffers, macs=self.macs, receptive=L.KEEP if self.elementwise else L.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasuredMerge(Measured):
    """An opaque step that reads three tensors or more (``F.scaled_dot_product_attention(q, k, v)``)."""

    TYPES: ClassVar = {"opaque-merge": None}
    MANY: ClassVar = True


def register() -> None:
    """Add the kinds to convcalc's registry (idempotent)."""
    for cls in (Measured, MeasuredMerge):
        if cls not in L.KINDS:
            L.KINDS = (*L.KINDS, cls)
        for name, ndim in cls.TYPES.items():
            L.REGISTRY.setdefault(name, (cls, ndim))


register()
