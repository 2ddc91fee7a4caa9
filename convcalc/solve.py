"""Inverse questions: which kernel/stride/padding/dilation turn one size into another.

:func:`solve` enumerates the settings within small bounds and keeps those whose
output size (by the same functions the analysis uses) is the one asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import shapes
from .errors import SpecError

MAX_KERNEL = 11  #: kernels tried when --kernel is not given
MAX_DILATION = 1  #: dilations tried when --dilation is not given (dilated solutions only when asked)


@dataclass(frozen=True, slots=True)
class Setting:
    kernel: int
    stride: int
    padding: int | str  #: pixels per side, or 'same'/'valid' under the tf convention
    dilation: int
    exact: bool  #: the division has no remainder: no row is dropped or padded past

    def to_dict(self) -> dict:
        return {"kernel_size": self.kernel, "stride": self.stride, "padding": self.padding,
                "dilation": self.dilation, "exact": self.exact}


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


def solve(size: int, out: int, *, kernel: int | None = None, stride: int | None = None,
          padding: int | None = None, dilation: int | None = None, pool: bool = False, ceil_mode: bool = False,
          convention: str = "torch") -> list[Setting]:
    """Every setting within bounds that maps ``size`` to ``out``: exact divisions first, then by
    stride, kernel, padding and dilation."""
    for name, value in (("--in", size), ("--out", out)):
        if value < 1:
            raise SpecError(f"{name} must be a positive size, got {value}")
    kernels = [kernel] if kernel else range(1, MAX_KERNEL + 1)
    strides = [stride] if stride else range(1, size + 1)
    dilations = [dilation] if dilation else range(1, MAX_DILATION + 1)
    found = []
    for k in kernels:
        for d in dilations:
            extent = shapes.effective_kernel(k, d)
            if padding is not None:
                paddings: list[int | str] = [padding]
            elif convention == "tf":
                paddings = ["same", "valid"]
            else:
                limit = k // 2 if pool and convention == "torch" else (k - 1 if pool else extent - 1)
                paddings = list(range(0, limit + 1))
            for s in strides:
                for p in paddings:
                    if pool and isinstance(p, int) and p > (k // 2 if convention == "torch" else k - 1):
                        continue
                    if output_size(size, k, s, p, d, pool=pool, ceil_mode=ceil_mode, convention=convention) != out:
                        continue
                    if p == "same":
                        exact = size % s == 0
                    else:
                        pixels = 0 if p == "valid" else p
                        exact = (size + 2 * pixels - extent) % s == 0
                    found.append(Setting(k, s, p, d, exact))
    return sorted(found, key=lambda t: (not t.exact, t.stride, t.kernel, str(t.padding), t.dilation))
