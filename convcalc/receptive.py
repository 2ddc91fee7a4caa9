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

Where paths meet (concat/add/mul), the field is, per dim, the union of the paths' windows;
paths whose jumps disagree are "not aligned" and get a warning. ``None`` means
the field cannot be known (after a strided transposed conv, a non-uniform adaptive
pool, or once the tensor is no longer spatial): never a plausible wrong number.
"""

from __future__ import annotations

from fractions import Fraction

from .layers import Window
from .records import record
from .records import set_field as _set
from .shapes import effective_kernel




@record(frozen=True, slots=True)
class Field:
    """Receptive field of one spatial dim."""

    size: int
    jump: int
    start: Fraction | int  #: an int where it is whole (the common case)

    def __init__(self, size, jump, start):
        _set(self, "size", size)  # (the one dataclass would generate, written here: see convcalc.records)
        _set(self, "jump", jump)
        _set(self, "start", start)


def initial(ndim: int) -> tuple[Field, ...]:
    return (Field(1, 1, 0),) * ndim


def whole(spatial: tuple[int, ...]) -> tuple[Field, ...]:
    """The field of a tensor that sees the whole input (after a fully connected layer): the input's extent,
    centred, with no jump (no window moves)."""
    return tuple(Field(d, 0, _exact(Fraction(d - 1, 2))) for d in spatial)


def receptive_size(size_in: int, jump_in: int, kernel: int, dilation: int = 1) -> int:
    return size_in + (effective_kernel(kernel, dilation) - 1) * jump_in


def effective_stride(jump_in: int, stride: int) -> int:
    return jump_in * stride


def window_start(start_in: Fraction | int, jump_in: int, kernel: int, padding: int, dilation: int = 1) -> Fraction | int:
    twice = (effective_kernel(kernel, dilation) - 1 - 2 * padding) * jump_in
    if twice % 2 == 0 and type(start_in) is int:  # the common case, kept in ints: Fraction is slow
        return start_in + twice // 2
    return _exact(start_in + Fraction(twice, 2))


def _exact(x: Fraction) -> Fraction | int:
    return x.numerator if x.denominator == 1 else x


def through_window(fields: tuple[Field, ...], window: Window) -> tuple[Field, ...]:
    return tuple(
        Field(receptive_size(f.size, f.jump, k, d), effective_stride(f.jump, s), window_start(f.start, f.jump, k, p, d))
        for f, k, s, p, d in zip(fields, window.kernel, window.stride, window.padding, window.dilation)
    )


def union(fields: list[Field], jump_from: list[Field]) -> Field:
    """The smallest window covering every field's window (centred at ``start``, ``size`` wide), with the
    jump of the largest field among ``jump_from``."""
    largest = max(jump_from or fields, key=lambda f: f.size)
    if all(type(f.start) is int for f in fields):  # the common case, in ints (coordinates doubled): Fraction is slow
        lo2 = min(2 * f.start - (f.size - 1) for f in fields)
        hi2 = max(2 * f.start + (f.size - 1) for f in fields)
        return Field((hi2 - lo2) // 2 + 1, largest.jump, _exact(Fraction(lo2 + hi2, 4)) if (lo2 + hi2) % 4
                     else (lo2 + hi2) // 4)
    lo = min(f.start - Fraction(f.size - 1, 2) for f in fields)
    hi = max(f.start + Fraction(f.size - 1, 2) for f in fields)
    return Field(int(hi - lo) + 1, largest.jump, _exact((lo + hi) / 2))


def merge(paths: list[tuple[Field, ...] | None], broadcast: list[bool] | None = None
          ) -> tuple[tuple[Field, ...] | None, bool]:
    """Combine the fields of the paths that meet at a merge (concat/add/mul): per dim, the union of
    their windows. A ``broadcast`` path (1×1 spread over every position, an SE gate) is left out: it is
    the same at every position, so no window describes it (the caller says so). Returns the merged fields (None when any path is unknown) and whether the other
    paths' jumps agree."""
    if not paths or any(p is None for p in paths):
        return None, True
    ndim = len(paths[0])
    if any(len(p) != ndim for p in paths):
        return None, True
    broadcast = broadcast or [False] * len(paths)
    local = [p for p, b in zip(paths, broadcast) if not b] or paths
    merged = tuple(union([p[i] for p in local], [p[i] for p in local]) for i in range(ndim))
    aligned = all(len({p[i].jump for p in local}) == 1 for i in range(ndim))
    return merged, aligned
