"""convcalc solve against the course examples and a brute-force count of window positions."""

from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.solve import solve
from tests.test_shapes import brute_force_conv, brute_force_pool_ceil


def settings_of(found):
    return {(t.kernel, t.stride, t.padding, t.dilation) for t in found}


def test_resnet_stem():
    # 224 -> 112 with a 7x7 kernel: stride 2, padding 3 (torchvision's conv1)
    assert settings_of(solve(224, 112, kernel=7)) == {(7, 2, 3, 1)}


def test_keep_the_size_lists_the_half_kernel_paddings():
    found = solve(28, 28, stride=1)
    assert {(k, p) for k, _, p, _ in settings_of(found)} == {(k, (k - 1) // 2) for k in (1, 3, 5, 7, 9, 11)}
    assert all(t.exact for t in found)


def test_halving_pool_and_tf_same():
    assert (3, 2, 1, 1) in settings_of(solve(112, 56, kernel=3, pool=True))
    assert settings_of(solve(224, 112, kernel=3, convention="tf")) == {(3, 2, "same", 1)}


@settings(max_examples=80, deadline=None)
@given(size=st.integers(1, 30), out=st.integers(1, 30))
def test_conv_solutions_are_exactly_the_brute_force_ones(size, out):
    found = settings_of(solve(size, out))
    expected = {(k, s, p, 1) for k in range(1, 12) for s in range(1, size + 1) for p in range(0, k)
                if brute_force_conv(size, k, s, p, 1) == out}
    assert found == expected


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 30), out=st.integers(1, 30), ceil_mode=st.booleans())
def test_pool_solutions_are_exactly_the_brute_force_ones(size, out, ceil_mode):
    count = brute_force_pool_ceil if ceil_mode else brute_force_conv
    found = settings_of(solve(size, out, pool=True, ceil_mode=ceil_mode))
    expected = {(k, s, p, 1) for k in range(1, 12) for s in range(1, size + 1) for p in range(0, k // 2 + 1)
                # torch accepts a ceil-mode window larger than the padded input (MaxPool2d(3, 2, ceil_mode=True)
                # on 2x2 gives 1x1); in floor mode it must fit
                if (ceil_mode or size + 2 * p >= k) and count(size, k, s, p, 1) == out}
    assert found == expected
