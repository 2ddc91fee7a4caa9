"""Output sizes, one pure function per layer kind, exactly as PyTorch computes them.

All functions work on one spatial dimension; callers map them over the per-dim
tuples, so 1-D, 2-D and 3-D layers share every formula.
"""

from __future__ import annotations


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Extent of a dilated kernel: ``d·(k − 1) + 1``."""
    return dilation * (kernel - 1) + 1


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Convolution (``torch.nn.Conv*d``): ``floor((in + 2p − d·(k−1) − 1)/s) + 1``.

    The result is < 1 when the dilated kernel is larger than the padded input;
    the caller turns that into an error.
    """
    return (size + 2 * padding - effective_kernel(kernel, dilation)) // stride + 1


def same_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """PyTorch ``padding='same'`` (stride 1): total ``d·(k−1)``, the extra pixel on the right."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def conv_transpose_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, output_padding: int = 0
) -> int:
    """Transposed convolution: ``(in − 1)·s − 2p + d·(k − 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Max/avg pooling, as ATen's ``pooling_output_shape_pad_lr``.

    ``out = floor((in + 2p − d·(k−1) − 1 + (s−1 if ceil_mode)) / s) + 1``; in ceil
    mode a last window that would start in the right padding is dropped:
    ``if (out − 1)·s ≥ in + p: out −= 1``.
    """
    numerator = size + 2 * padding - effective_kernel(kernel, dilation) + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def uncovered(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1) -> int:
    """How many trailing rows of the padded input floor rounding drops: rows a further window would
    have covered had it fitted. Where the kernel is smaller than the stride, trailing rows no wider than
    the gap between windows are skipped like every other gap, not dropped: 0 (a 1x1/2 conv on 56)."""
    extent = effective_kernel(kernel, dilation)
    span = size + 2 * padding - extent
    if span < 0:
        return 0
    rest = span % stride
    return rest if rest > stride - extent else 0


def skipped(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1) -> int:
    """Rows of the padded input that no window reaches at all: the gaps between windows when the
    (effective) kernel is smaller than the stride, plus the trailing rows."""
    extent = effective_kernel(kernel, dilation)
    span = size + 2 * padding - extent
    if span < 0:
        return 0
    windows = span // stride + 1
    covered = windows * extent if extent <= stride else (windows - 1) * stride + extent
    return size + 2 * padding - covered


def adaptive_pool_window(size: int, output: int) -> tuple[int, int] | None:
    """(kernel, stride) of an adaptive pool when every window is the same, else None.

    torch's window ``j`` spans ``[floor(j·in/out), ceil((j+1)·in/out))``; the windows
    are uniform exactly when ``in`` is a multiple of ``out``.
    """
    if output and size % output == 0:
        return size // output, size // output
    return None


def tf_same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow/Keras ``padding='same'``: ``out = ceil(in/s)``, total padding
    ``max((out − 1)·s + d·(k−1) + 1 − in, 0)``, the extra pixel bottom/right."""
    out = -(-size // stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    return total // 2, total - total // 2
