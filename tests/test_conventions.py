"""--convention tf / caffe: REFERENCE.md's TensorFlow SAME/VALID and Caffe pooling formulas."""

import pytest

from convcalc import shapes


@pytest.mark.parametrize("size,k,s,d,expected", [
    (224, 7, 2, 1, (2, 3)),  # out 112, total (112−1)·2 + 7 − 224 = 5: the extra pixel bottom/right
    (5, 3, 2, 1, (1, 1)),
    (10, 1, 3, 1, (0, 0)),
    (8, 3, 1, 2, (2, 2)),
])
def test_tf_same_padding(size, k, s, d, expected):
    assert shapes.tf_same_padding(size, k, s, d) == expected


@pytest.mark.parametrize("size", range(1, 40))
@pytest.mark.parametrize("k,s", [(1, 1), (3, 2), (7, 2), (2, 3), (5, 4)])
def test_tf_same_gives_ceil_of_in_over_stride(run, size, k, s):
    report = run(f"conv2d(4, {k}, stride={s}, padding=same)", (1, size, size), convention="tf")
    assert report.output_shape == (4, -(-size // s), -(-size // s))


@pytest.mark.parametrize("size", range(7, 40))
def test_tf_valid_is_ceil_of_in_minus_k_plus_1_over_stride(run, size):
    report = run("conv2d(4, 5, stride=3, padding=valid)", (1, size, size), convention="tf")
    assert report.output_shape[1] == -(-(size - 5 + 1) // 3)


def test_same_with_stride_is_refused_by_torch_but_not_tf(run):
    assert not run("conv2d(4, 3, stride=2, padding=same)", (1, 8, 8)).ok
    assert run("conv2d(4, 3, stride=2, padding=same)", (1, 8, 8), convention="tf").output_shape == (4, 4, 4)


def test_tf_same_pooling(run):
    assert run("maxpool2d(3, 2, padding=same)", (64, 112, 112), convention="tf").output_shape == (64, 56, 56)
    refused = run("maxpool2d(3, 2, padding=same)", (64, 112, 112))
    assert refused.errors[0].message == "maxpool2d: padding='same' on pooling is TensorFlow's convention"


@pytest.mark.parametrize("size,k,s,p,expected", [
    (112, 3, 2, 0, 56),  # torch floors to 55
    (5, 2, 2, 1, 3),  # ceil gives 4, but the last window would start in the right padding
    (10, 3, 2, 1, 6),
])
def test_caffe_pooling_rounds_up(run, size, k, s, p, expected):
    assert run(f"maxpool2d({k}, {s}, {p})", (1, size, size), convention="caffe").output_shape[1] == expected


def test_caffe_convolution_is_torchs(run):
    assert run("conv2d(4, 3, stride=2)", (1, 8, 8), convention="caffe").output_shape == (4, 3, 3)
