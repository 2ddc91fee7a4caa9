"""Output-size formulas: REFERENCE.md's torch-verified vectors, the course examples, and brute force."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcalc import shapes

# (in, kernel, stride, padding, dilation) -> floor / ceil_mode output; verified with torch 2.14.1 (REFERENCE.md)
POOL_VECTORS = [
    pytest.param(112, 3, 2, 0, 1, 55, 56, id="k3s2-112"),
    pytest.param(56, 3, 2, 0, 1, 27, 28, id="k3s2-56"),
    pytest.param(28, 3, 2, 0, 1, 13, 14, id="k3s2-28"),
    pytest.param(5, 2, 2, 1, 1, 3, 3, id="k2s2p1-5-naive-ceil-would-give-4"),
    pytest.param(10, 3, 2, 1, 1, 5, 6, id="k3s2p1-10"),
]


@pytest.mark.parametrize("size,k,s,p,d,floor_out,ceil_out", POOL_VECTORS)
def test_pool_output_size_matches_torch(size, k, s, p, d, floor_out, ceil_out):
    assert shapes.pool_output_size(size, k, s, p, d, ceil_mode=False) == floor_out
    assert shapes.pool_output_size(size, k, s, p, d, ceil_mode=True) == ceil_out


def test_dilated_max_pool():
    assert shapes.pool_output_size(10, 3, 1, 0, 2) == 6


@pytest.mark.parametrize("size,k,s,p,d,op,expected", [
    pytest.param(7, 3, 2, 1, 1, 1, 14, id="k3s2p1op1"),
    pytest.param(5, 4, 2, 1, 2, 0, 13, id="k4s2p1d2"),
])
def test_conv_transpose_output_size_matches_torch(size, k, s, p, d, op, expected):
    assert shapes.conv_transpose_output_size(size, k, s, p, d, op) == expected


@pytest.mark.parametrize("size,k,s,p,expected", [
    pytest.param(8, 3, 1, 1, 8, id="8x8-k3p1-keeps-8"),
    pytest.param(8, 5, 1, 2, 8, id="8x8-k5p2-keeps-8"),
    pytest.param(8, 3, 2, 1, 4, id="8x8-k3p1s2-gives-4"),
    pytest.param(7, 3, 2, 0, 3, id="7x7-k3s2-gives-3"),
    pytest.param(4, 3, 1, 0, 2, id="4x4-k3-gives-2"),
    pytest.param(4, 3, 1, 1, 4, id="4x4-k3p1-gives-4"),
    pytest.param(100, 3, 1, 0, 98, id="100-k3-gives-98"),
])
def test_conv_course_examples(size, k, s, p, expected):
    assert shapes.conv_output_size(size, k, s, p) == expected


def test_course_max_pool_example():
    # 4x4 input, max pool 3x3, padding 1, stride 2 -> 2x2
    assert shapes.pool_output_size(4, 3, 2, 1) == 2


def test_same_padding_puts_the_extra_pixel_on_the_right():
    assert shapes.same_padding(4) == (1, 2)
    assert shapes.same_padding(3, dilation=2) == (2, 2)


def brute_force_conv(size, k, s, p, d):
    """Count window positions that fit entirely inside the padded input."""
    extent = d * (k - 1) + 1
    return sum(1 for start in range(0, size + 2 * p, s) if start + extent <= size + 2 * p)


def brute_force_pool_ceil(size, k, s, p, d):
    """Ceil mode: windows start every s pixels; the last may overhang the padded input by less than one
    stride, but may not start in the right padding."""
    extent, padded = d * (k - 1) + 1, size + 2 * p
    return sum(1 for start in range(0, padded + s, s) if start + extent <= padded + s - 1 and start < size + p)


sizes = st.integers(1, 64)
kernels = st.integers(1, 9)
strides = st.integers(1, 5)
dilations = st.integers(1, 3)


@given(size=sizes, k=kernels, s=strides, p=st.integers(0, 4), d=dilations)
def test_conv_output_size_is_the_number_of_window_positions(size, k, s, p, d):
    expected = brute_force_conv(size, k, s, p, d)
    out = shapes.conv_output_size(size, k, s, p, d)
    assert max(out, 0) == expected


@given(size=sizes, k=kernels, s=strides, d=dilations, data=st.data())
def test_pool_output_size_is_the_number_of_window_positions(size, k, s, d, data):
    p = data.draw(st.integers(0, k // 2))
    # < 1 means torch refuses the layer ("Output size is too small"); the brute force then counts 0
    assert max(shapes.pool_output_size(size, k, s, p, d, ceil_mode=False), 0) == brute_force_conv(size, k, s, p, d)
    assert max(shapes.pool_output_size(size, k, s, p, d, ceil_mode=True), 0) == brute_force_pool_ceil(size, k, s, p, d)


@given(size=sizes, k=kernels, d=dilations)
def test_stride_one_same_padding_keeps_the_size(size, k, d):
    left, right = shapes.same_padding(k, d)
    assert shapes.conv_output_size(size + left + right, k, 1, 0, d) == size


@given(size=sizes, k=kernels, s=strides, p=st.integers(0, 4), d=dilations)
def test_uncovered_rows_are_what_the_floor_drops(size, k, s, p, d):
    extent = d * (k - 1) + 1
    if size + 2 * p < extent:
        return
    out = shapes.conv_output_size(size, k, s, p, d)
    last_covered = (out - 1) * s + extent  # rows of the padded input reached by some window
    trailing = size + 2 * p - last_covered
    # a further window that starts inside the padded input but does not fit is what the floor drops;
    # where it would start past the end (kernel < stride), the trailing rows are an ordinary gap
    dropped = out * s < size + 2 * p
    assert shapes.uncovered(size, k, s, p, d) == (trailing if dropped else 0)


@given(size=sizes, k=kernels, s=strides, p=st.integers(0, 4), d=dilations)
def test_skipped_rows_are_counted_by_brute_force(size, k, s, p, d):
    extent = d * (k - 1) + 1
    if size + 2 * p < extent:
        return
    out = shapes.conv_output_size(size, k, s, p, d)
    reached = {i * s + j for i in range(out) for j in range(extent)}
    assert shapes.skipped(size, k, s, p, d) == size + 2 * p - len(reached)
