"""Argument parsers: turn a raw spec value into a checked Python value or raise SpecError.

Each parser is ``parse(value, ndim) -> value`` and raises ``ValueError`` with a short
reason; the spec reader adds the element's path and the argument name. Ints are
ints: a bool, float or string where an int belongs is refused, as torch refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Parser = Callable[[Any, int], Any]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, float):
        return f"the float {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"


LIMIT = 10 ** 9  #: no size, count or index of a layer is larger; products of a few stay cheap to print


def _magnitude(value: int | float) -> str:
    """A number past the limit as one word: an int in full up to 30 digits (``1,000,000,001``, not ``1e+09``),
    else its order of magnitude (``~1e400``: too large for a float, and for ``str`` past 4,300 digits)."""
    if isinstance(value, int):
        if value.bit_length() <= 99:
            return f"{value:,}"
        digits = round((value.bit_length() - 0.5) * 0.30103)  # log10 |value|, to within one
        return f"{'-' if value < 0 else ''}~1e{digits}"
    return f"{value:.3g}"


def integer(minimum: int | None = None) -> Parser:
    """A plain int, at least ``minimum``, at most :data:`LIMIT` in magnitude."""

    def parse(value: Any, ndim: int) -> int:
        if not _is_int(value):
            raise ValueError(f"must be an integer, got {_describe(value)}")
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        if abs(value) > LIMIT:
            raise ValueError(f"must be at most {LIMIT:,} in magnitude (convcalc's limit), got {_magnitude(value)}")
        return value

    return parse


positive = integer(1)
non_negative = integer(0)
any_int = integer()


def per_dim(minimum: int) -> Parser:
    """An int, or one int per spatial dim: returns a tuple of ``ndim`` ints."""
    single = integer(minimum)

    def parse(value: Any, ndim: int) -> tuple[int, ...]:
        if isinstance(value, (list, tuple)):
            if len(value) != ndim:
                raise ValueError(f"must be an integer or {ndim} integers, got {len(value)} values")
            return tuple(single(v, ndim) for v in value)
        return (single(value, ndim),) * ndim

    return parse


positive_per_dim = per_dim(1)
non_negative_per_dim = per_dim(0)


def conv_padding(value: Any, ndim: int) -> tuple[int, ...] | str:
    """Conv padding: ints per dim, or the strings 'same' / 'valid' (as torch)."""
    if isinstance(value, str):
        if value.lower() in ("same", "valid"):
            return value.lower()
        raise ValueError(f"must be an integer, {ndim} integers, 'same' or 'valid', got {value!r}")
    return non_negative_per_dim(value, ndim)


def boolean(value: Any, ndim: int) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {_describe(value)}")
    return value


def number(minimum: float | None = None, maximum: float | None = None, *, exclusive_min: bool = False) -> Parser:
    """A real number (int or float, not bool) within bounds."""

    def parse(value: Any, ndim: int) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, got {_describe(value)}")
        if minimum is not None and (value < minimum or (exclusive_min and value == minimum)):
            raise ValueError(f"must be {'greater than' if exclusive_min else 'at least'} {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}, got {value}")
        if not -LIMIT <= value <= LIMIT:  # also refuses inf and nan
            raise ValueError(f"must be at most {LIMIT:,} in magnitude (convcalc's limit), got {_magnitude(value)}")
        return value

    return parse


def optional(parser: Parser) -> Parser:
    """``None`` (null) or what ``parser`` accepts."""

    def parse(value: Any, ndim: int) -> Any:
        return None if value is None else parser(value, ndim)

    return parse


def choice(*allowed: str) -> Parser:
    def parse(value: Any, ndim: int) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"must be one of {', '.join(repr(a) for a in allowed)}, got {_describe(value)}")
        return value

    return parse


def output_size(value: Any, ndim: int) -> tuple[int | None, ...]:
    """Adaptive pooling target: an int, or one int (or null: keep the input size) per dim."""
    if isinstance(value, (list, tuple)):
        if len(value) != ndim:
            raise ValueError(f"must be an integer or {ndim} integers, got {len(value)} values")
        return tuple(None if v is None else positive(v, ndim) for v in value)
    return (positive(value, ndim),) * ndim


def int_list(value: Any, ndim: int) -> tuple[int, ...]:
    """A shape: an int or a list of positive ints (LayerNorm's normalized_shape)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be empty")
        return tuple(positive(v, ndim) for v in value)
    return (positive(value, ndim),)


def index_lists(value: Any, ndim: int) -> tuple[tuple[int, ...], ...]:
    """A list of lists of channel indices (a partial connection table)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError("must be a non-empty list of lists of input channel indices")
    rows = []
    for row in value:
        if not isinstance(row, (list, tuple)) or not row:
            raise ValueError("must be a list of non-empty lists of input channel indices")
        rows.append(tuple(non_negative(i, ndim) for i in row))
    return tuple(rows)


def scales(value: Any, ndim: int) -> float | tuple[float, ...]:
    """Upsample's scale_factor: a positive number, or one per spatial dim."""
    single = number(0, exclusive_min=True)
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be empty")
        return tuple(single(v, ndim) for v in value)
    return single(value, ndim)


def pad_widths(value: Any, ndim: int) -> tuple[int, ...]:
    """Padding layers: an int, or (left, right, top, bottom, …) as torch orders them; negative crops."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be empty")
        return tuple(any_int(v, ndim) for v in value)
    return (any_int(value, ndim),)


def any_int_list(value: Any, ndim: int) -> tuple[int, ...]:
    """An int or a non-empty list of ints (dims of permute, mean, sum)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be empty")
        return tuple(any_int(v, ndim) for v in value)
    return (any_int(value, ndim),)


def int_or_list(value: Any, ndim: int) -> int | tuple[int, ...]:
    """A positive int (every dim), or a list of them (one per dim, as many as there are dims)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be empty")
        return tuple(positive(v, ndim) for v in value)
    return positive(value, ndim)


def reshape_shape(value: Any, ndim: int) -> tuple[int, ...]:
    """A target shape without the batch dim: positive ints, at most one -1."""
    dims = any_int_list(value, ndim)
    if any(d < -1 or d == 0 for d in dims) or dims.count(-1) > 1:
        raise ValueError(f"must be positive sizes with at most one -1, got {list(dims)}")
    return dims


def sections(value: Any, ndim: int) -> int | tuple[int, ...]:
    """torch.split's split_size_or_sections: a positive int, or a list of positive ints."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("must not be empty")
        return tuple(positive(v, ndim) for v in value)
    return positive(value, ndim)
