"""Inverse questions: which kernel/stride/padding/dilation turn one size into another.

:func:`search` yields the settings that map ``size`` to ``out`` (by the same functions the
analysis uses) in the order a course would suggest them:

1. conventional ones first — padding at most half the (dilated) kernel; stride 3 with padding 2
   on a 3×3 kernel works, but pads wider than the kernel's half and is marked as such;
2. then the smallest stride that reaches the size;
3. exact divisions (no row dropped or padded past) before inexact ones among equals;
4. then kernel, padding and dilation.

The search never walks the sizes: for one kernel, the output falls as the stride grows and rises
with the padding, so each stride's paddings (and, for an output of 1, each padding's smallest
stride) come from binary searches. ``solve --in 1000000`` or ``--kernel 1000000000`` take as long
as ``--in 28``. :func:`why_none` says why nothing fits (an even kernel cannot keep the size with
symmetric padding; upsampling needs a transposed conv; …).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import shapes
from .errors import SpecError
from .i18n import _

MAX_KERNEL = 11  #: kernels tried when --kernel is not given
MAX_DILATION = 1  #: dilations tried when --dilation is not given (dilated solutions only when asked)
MAX_LISTED = 1000  #: settings :func:`solve` returns at most (the search itself is lazy)


@dataclass(frozen=True, slots=True)
class Setting:
    kernel: int
    stride: int
    padding: int | str  #: pixels per side, or 'same'/'valid' under the tf convention
    dilation: int
    exact: bool  #: the division has no remainder: no row is dropped or padded past
    conventional: bool = True  #: padding at most half the (dilated) kernel
    larger_strides: bool = False  #: every larger stride gives the same output too (an output of 1)

    def to_dict(self) -> dict:
        return {"kernel_size": self.kernel, "stride": self.stride, "padding": self.padding,
                "dilation": self.dilation, "exact": self.exact, "conventional": self.conventional,
                "larger_strides": self.larger_strides}

    def note(self) -> str:
        """Why a setting is marked: padding wider than half the kernel; strides that all work."""
        notes = []
        if not self.conventional:
            half = shapes.effective_kernel(self.kernel, self.dilation) // 2
            notes.append(_("unconventional: padding {p} is more than half the kernel ({half})").format(
                p=self.padding, half=half))
        if self.larger_strides:
            notes.append(_("any stride from {s} up gives the same").format(s=self.stride))
        return "; ".join(notes)


def output_size(size: int, kernel: int, stride: int, padding: int | str, dilation: int, *, pool: bool = False,
                ceil_mode: bool = False, convention: str = "torch") -> int:
    """One spatial dim through a conv (or a pool) under a convention; < 1 when the window does not fit."""
    if padding == "same":
        left, right = shapes.tf_same_padding(size, kernel, stride, dilation)
        return (size + left + right - shapes.effective_kernel(kernel, dilation)) // stride + 1
    if padding == "valid":
        padding = 0
    if pool:
        return shapes.pool_output_size(size, kernel, stride, padding, dilation, ceil_mode or convention == "caffe")
    return shapes.conv_output_size(size, kernel, stride, padding, dilation)


def padding_limit(kernel: int, dilation: int, pool: bool, convention: str) -> int:
    """The largest padding searched: a pool's as torch (half the kernel) or caffe (kernel − 1) allows;
    a conv's one less than its dilated kernel (more pads a window with nothing but zeros)."""
    if pool:
        return kernel // 2 if convention == "torch" else kernel - 1
    return shapes.effective_kernel(kernel, dilation) - 1


def _first(lo: int, hi: int, pred: Callable[[int], bool]) -> int | None:
    """The smallest x in [lo, hi] with pred(x), for pred False … False True … True; None if none."""
    if lo > hi or not pred(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _last(lo: int, hi: int, pred: Callable[[int], bool]) -> int | None:
    """The largest x in [lo, hi] with pred(x), for pred True … True False … False; None if none."""
    if lo > hi or not pred(lo):
        return None
    first_false = _first(lo, hi, lambda x: not pred(x))
    return hi if first_false is None else first_false - 1


def _key(t: Setting):
    padding = (0, t.padding) if isinstance(t.padding, int) else (1, str(t.padding))
    return (t.stride, not t.exact, t.kernel, padding, t.dilation)


def _exact(size: int, extent: int, stride: int, padding: int | str) -> bool:
    if padding == "same":
        return size % stride == 0
    n = size + 2 * (0 if padding == "valid" else padding) - extent
    return n >= 0 and n % stride == 0


def _exact_paddings(size: int, extent: int, stride: int, lo: int, hi: int) -> list[int]:
    """The paddings p in [lo, hi] with ``size + 2p − extent`` a non-negative multiple of ``stride``."""
    residue = (extent - size) % stride
    if stride % 2:
        first, step = residue * ((stride + 1) // 2) % stride, stride
    elif residue % 2:
        return []
    else:
        first, step = residue // 2, stride // 2
    lo = max(lo, -(-(extent - size) // 2))
    if lo > hi:
        return []
    start = lo + (first - lo) % step
    return list(itertools.islice(range(start, hi + 1, step), 4))


def search(size: int, out: int, *, kernel: int | None = None, stride: int | None = None,
           padding: int | str | None = None, dilation: int | None = None, pool: bool = False,
           ceil_mode: bool = False, convention: str = "torch") -> Iterator[Setting]:
    """Every setting within bounds that maps ``size`` to ``out``, ranked (see the module's docstring), lazily."""
    for name, value in (("--in", size), ("--out", out)):
        if value < 1:
            raise SpecError(_("{name} must be a positive size, got {value}").format(name=name, value=value))
    kernels = [kernel] if kernel else range(1, MAX_KERNEL + 1)
    dilations = [dilation] if dilation else range(1, MAX_DILATION + 1)
    classes: tuple[list, list] = ([], [])  # conventional, unconventional
    for k in kernels:
        for d in dilations:
            e = shapes.effective_kernel(k, d)

            def f(s: int, p: int | str, k=k, d=d) -> int:
                return max(0, output_size(size, k, s, p, d, pool=pool, ceil_mode=ceil_mode, convention=convention))

            if isinstance(padding, str) or (padding is None and convention == "tf"):
                for p in ([padding] if padding is not None else ["same", "valid"]):
                    classes[0].append(_strings(size, out, k, d, e, p, stride, f))
                continue
            limit = padding_limit(k, d, pool, convention)
            half = e // 2
            if padding is not None:
                if pool and padding > limit:
                    continue
                ranges = [(padding, padding, padding <= half)]
            else:
                ranges = [(0, min(half, limit), True), (half + 1, limit, False)]
            for lo, hi, conventional in ranges:
                if lo <= hi:
                    classes[0 if conventional else 1].append(
                        _numeric(size, out, k, d, e, lo, hi, stride, f, conventional))
    for gens in classes:
        yield from heapq.merge(*gens, key=_key)


def _numeric(size: int, target: int, k: int, d: int, e: int, plo: int, phi: int, stride: int | None,
             f: Callable[[int, int], int], conventional: bool) -> Iterator[Setting]:
    """One kernel's settings with paddings in [plo, phi], by stride, exact first, then padding."""
    if target == 1 and stride is None:
        # an output of 1: every stride from the smallest that gives it; one row per padding
        def row(p: int) -> Setting | None:
            cap = size + 2 * p + e + 2  # from here on every stride gives 1
            s0 = _first(1, cap, lambda s: f(s, p) == 1)
            if s0 is None:
                return None
            return Setting(k, s0, p, d, _exact(size, e, s0, p), conventional, larger_strides=True)

        fits = max(plo, min(phi + 1, -(-(e - size) // 2)))  # from here on the window fits the padded input

        def below() -> Iterator[Setting]:
            """A window larger than the padded input gives 1 only in a ceil-mode pool: its smallest stride
            falls as the padding grows, so those paddings go downwards. Where one gives no row none below it
            does (the window only overshoots further): a convolution stops at once, whatever the kernel."""
            for p in range(fits - 1, plo - 1, -1):
                t = row(p)
                if t is None:
                    return
                yield t

        above = (row(p) for p in range(fits, phi + 1))
        yield from heapq.merge(below(), (t for t in above if t), key=_key)
        return
    cap = size + 2 * phi + e + 2
    if stride is not None:
        strides: range = range(stride, stride + 1)
    else:
        s_lo = _first(1, cap, lambda s: f(s, plo) <= target)
        s_hi = _last(1, cap, lambda s: f(s, phi) >= target)
        if s_lo is None or s_hi is None:
            return
        strides = range(s_lo, s_hi + 1)
    for s in strides:
        p1 = _first(plo, phi, lambda p, s=s: f(s, p) >= target)
        p2 = _last(plo, phi, lambda p, s=s: f(s, p) <= target)
        if p1 is None or p2 is None or p1 > p2:
            continue
        exact = [p for p in _exact_paddings(size, e, s, p1, p2) if f(s, p) == target]
        for p in exact:
            yield Setting(k, s, p, d, True, conventional)
        for p in range(p1, p2 + 1):
            if p not in exact and f(s, p) == target:
                yield Setting(k, s, p, d, False, conventional)


def _strings(size: int, target: int, k: int, d: int, e: int, p: str, stride: int | None,
             f: Callable[[int, int | str], int]) -> Iterator[Setting]:
    """Keras' 'same' or 'valid' (the tf convention): the output depends on the stride alone."""
    cap = size + e + 2
    if stride is not None:
        if f(stride, p) == target:
            yield Setting(k, stride, p, d, _exact(size, e, stride, p))
        return
    if target == 1:
        s0 = _first(1, cap, lambda s: f(s, p) == 1)
        if s0 is not None:
            yield Setting(k, s0, p, d, _exact(size, e, s0, p), larger_strides=True)
        return
    s_lo = _first(1, cap, lambda s: f(s, p) <= target)
    s_hi = _last(1, cap, lambda s: f(s, p) >= target)
    if s_lo is None or s_hi is None:
        return
    for s in range(s_lo, s_hi + 1):
        if f(s, p) == target:
            yield Setting(k, s, p, d, _exact(size, e, s, p))


def solve(size: int, out: int, *, kernel: int | None = None, stride: int | None = None,
          padding: int | str | None = None, dilation: int | None = None, pool: bool = False, ceil_mode: bool = False,
          convention: str = "torch", limit: int | None = MAX_LISTED) -> list[Setting]:
    """The first ``limit`` settings of :func:`search` (all of them with ``limit=None``: mind the size)."""
    found = search(size, out, kernel=kernel, stride=stride, padding=padding, dilation=dilation, pool=pool,
                   ceil_mode=ceil_mode, convention=convention)
    return list(found if limit is None else itertools.islice(found, limit))


def why_none(size: int, out: int, *, kernel: int | None = None, stride: int | None = None,
             padding: int | str | None = None, dilation: int | None = None, pool: bool = False,
             ceil_mode: bool = False, convention: str = "torch") -> list[str]:
    """Why no setting maps ``size`` to ``out``, most telling first (for the hint)."""
    reasons = []
    kernels = [kernel] if kernel else list(range(1, MAX_KERNEL + 1))
    d = dilation or 1
    widest = max(padding_limit(k, d, pool, convention) * 2 - shapes.effective_kernel(k, d) + 1 for k in kernels)
    if padding is not None and isinstance(padding, int):
        widest = max(2 * padding - shapes.effective_kernel(k, d) + 1 for k in kernels)
    if out > size + max(widest, 0) or (convention == "tf" and out > size):
        reasons.append(_("upsampling needs a transposed conv (convtranspose2d) or an upsample layer, which solve "
                         "does not cover: a conv or pool grows a size only by its padding"))
    if kernel is not None and stride in (None, 1) and convention != "tf" and padding is None:
        e = shapes.effective_kernel(kernel, d)
        twice = out - size + e - 1  # stride 1: out = in + 2P − e + 1
        if out == size and twice % 2:
            l, r = twice // 2, twice - twice // 2
            reasons.append(_("an even kernel ({k}) cannot keep the size with the same padding on both sides: stride 1 "
                             "gives OH = H + 2P − {e} + 1, so keeping {h} needs 2P = {t}, an odd number. Use "
                             "padding='same' (torch pads {l} before and {r} after) or pad asymmetrically first "
                             "(nn.ZeroPad2d(({l}, {r}, {l}, {r})))").format(k=kernel, e=e, h=size, t=twice, l=l, r=r))
        elif twice % 2 and stride == 1:
            reasons.append(_("with stride 1, OH = H + 2P − {e} + 1, so {o} needs 2P = {t}, an odd number: no "
                             "symmetric padding gives it").format(e=e, o=out, t=twice))
        elif twice >= 0 and pool and twice // 2 > padding_limit(kernel, d, pool, convention):
            reasons.append(_("a pool's padding may be at most half its kernel ({m}), and {o} needs {p}").format(
                m=padding_limit(kernel, d, pool, convention), o=out, p=twice // 2))
    if pool and isinstance(padding, int) and kernel is not None and padding > padding_limit(kernel, d, pool,
                                                                                            convention):
        reasons.append(_("a pool's padding may be at most half its kernel ({m}); torch refuses padding {p}").format(
            m=padding_limit(kernel, d, pool, convention), p=padding))
    if kernel is not None and stride is not None and padding is not None:
        got = output_size(size, kernel, stride, padding, d, pool=pool, ceil_mode=ceil_mode, convention=convention)
        reasons.append(_("kernel {k}, stride {s} and padding {p} give {got}, not {o}").format(
            k=kernel, s=stride, p=padding, got=max(got, 0), o=out))
    if not reasons:
        reasons.append(_("fix fewer of --kernel/--stride/--padding, or try --dilation"))
    return reasons
