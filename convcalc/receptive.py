"""Receptive field, jump and start per spatial dim (Araujo, Norris & Sim, Distill 2019).

State per spatial dim, from the input side:

* ``size``  — how many input pixels one output pixel sees (input: 1);
* ``jump``  — distance in input pixels between neighbouring outputs (input: 1);
* ``start`` — input coordinate of the centre of the first output's window.
  convcalc's convention: input pixel ``i`` has its centre at coordinate ``i``, so
  the input starts at 0 and a padded 3×3 conv (p = 1) keeps start 0.

Through a window with kernel ``k``, stride ``s``, left padding ``p``, dilation ``d``
(``k_eff = d·(k−1) + 1``)::

    size_out  = size_in + (k_eff − 1)·jump_in
    jump_out  = jump_in · s
    start_out = start_in + ((k_eff − 1)/2 − p)·jump_in

Branches (concat/add) take, per dim, the branch with the largest receptive field;
branches whose jumps disagree are "not aligned" and get a warning. ``None`` means
the field cannot be known (after a strided transposed conv, a non-uniform adaptive
pool, or once the tensor is no longer spatial): never a plausible wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .layers import Window
from .shapes import effective_kernel


@dataclass(frozen=True, slots=True)
class Field:
    """Receptive field of one spatial dim."""

    size: int
    jump: int
    start: Fraction


def initial(ndim: int) -> tuple[Field, ...]:
    return (Field(1, 1, Fraction(0)),) * ndim


def receptive_size(size_in: int, jump_in: int, kernel: int, dilation: int = 1) -> int:
    return size_in + (effective_kernel(kernel, dilation) - 1) * jump_in


def effective_stride(jump_in: int, stride: int) -> int:
    return jump_in * stride


def window_start(start_in: Fraction, jump_in: int, kernel: int, padding: int, dilation: int = 1) -> Fraction:
    return start_in + (Fraction(effective_kernel(kernel, dilation) - 1, 2) - padding) * jump_in


def through_window(fields: tuple[Field, ...], window: Window) -> tuple[Field, ...]:
    return tuple(
        Field(receptive_size(f.size, f.jump, k, d), effective_stride(f.jump, s), window_start(f.start, f.jump, k, p, d))
        for f, k, s, p, d in zip(fields, window.kernel, window.stride, window.padding, window.dilation)
    )


def merge(branches: list[tuple[Field, ...] | None]) -> tuple[tuple[Field, ...] | None, bool]:
    """Combine the branches of a concat/add: the largest field per dim wins.

    Returns the merged fields (None when any branch is unknown) and whether the
    branches' jumps agree.
    """
    if not branches or any(b is None for b in branches):
        return None, True
    ndim = len(branches[0])
    merged = tuple(max((b[i] for b in branches), key=lambda f: f.size) for i in range(ndim))
    aligned = all(b[i].jump == merged[i].jump for b in branches for i in range(ndim))
    return merged, aligned
