"""convcalc solve: the course's answers first, every answer a brute-force count finds, in time that does
not grow with the sizes, and a reason when there is none."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.solve import output_size, padding_limit, search, solve, why_none
from tests.test_shapes import brute_force_conv, brute_force_pool_ceil


def settings_of(found, cap=None):
    """(kernel, stride, padding, dilation) of every answer; an answer for every larger stride up to ``cap``."""
    out = set()
    for t in found:
        top = cap if t.larger_strides and cap else t.stride
        out |= {(t.kernel, s, t.padding, t.dilation) for s in range(t.stride, top + 1)}
    return out


def test_resnet_stem():
    # 224 -> 112 with a 7x7 kernel: stride 2, padding 3 (torchvision's conv1)
    assert settings_of(solve(224, 112, kernel=7)) == {(7, 2, 3, 1)}


def test_keep_the_size_lists_the_half_kernel_paddings():
    found = solve(28, 28, stride=1)
    assert [(t.kernel, t.padding) for t in found] == [(k, (k - 1) // 2) for k in (1, 3, 5, 7, 9, 11)]
    assert all(t.exact and t.conventional for t in found)


def test_halving_pool_and_tf_same():
    assert (3, 2, 1, 1) in settings_of(solve(112, 56, kernel=3, pool=True))
    assert settings_of(solve(224, 112, kernel=3, convention="tf")) == {(3, 2, "same", 1)}


def test_d2ls_8_to_4_comes_before_the_unconventional_answer():
    # issue 14: stride 3 / padding 2 was listed before d2l's stride 2 / padding 1 (exact came first)
    found = solve(8, 4, kernel=3)
    assert [(t.stride, t.padding, t.exact, t.conventional) for t in found] == [(2, 1, False, True), (3, 2, True, False)]
    assert found[1].note() == "unconventional: padding 2 is more than half the kernel (1)"


def test_ranking_conventional_then_stride_then_exact():
    found = solve(224, 112)
    keys = [(not t.conventional, t.stride, not t.exact) for t in found]
    assert keys == sorted(keys)
    assert (found[0].kernel, found[0].stride, found[0].padding, found[0].exact) == (2, 2, 0, True)


@pytest.mark.parametrize("args", [
    dict(size=1_000_000, out=1_000_000, stride=1), dict(size=1_000_000, out=2), dict(size=1_000_000, out=1),
    dict(size=1_000_000, out=3, kernel=10 ** 9), dict(size=28, out=28, kernel=10 ** 9 + 1),
    dict(size=28, out=28, kernel=10 ** 9), dict(size=5, out=1, kernel=10 ** 9, pool=True, ceil_mode=True),
    dict(size=10 ** 9, out=7, kernel=10 ** 9, stride=1), dict(size=10 ** 12, out=10 ** 6 + 1, convention="tf"),
    dict(size=10 ** 12, out=10 ** 12 - 7, stride=1, kernel=8), dict(size=10 ** 6, out=5, pool=True, kernel=10 ** 6),
], ids=str)
def test_time_does_not_grow_with_the_sizes(args):
    start = time.perf_counter()
    found = solve(limit=50, **args)
    # generous on a loaded CI machine (one case took 1.6 s there); before, --in 1000000 took 16 s and
    # --kernel 1e9 ran out of memory
    assert time.perf_counter() - start < 10.0
    for t in found[:5]:
        got = output_size(args["size"], t.kernel, t.stride, t.padding, t.dilation, pool=args.get("pool", False),
                          ceil_mode=args.get("ceil_mode", False), convention=args.get("convention", "torch"))
        assert got == args["out"]


def test_the_search_is_lazy():
    # a million strides give 1,000,000 → 2; the first answers come without walking them
    start = time.perf_counter()
    first = next(search(1_000_000, 2))
    assert time.perf_counter() - start < 2.0  # walking the million strides takes several seconds
    assert first.conventional and first.stride == 499_995


def test_an_output_of_one_takes_any_larger_stride():
    found = solve(7, 1, kernel=7)
    assert (found[0].stride, found[0].padding, found[0].exact, found[0].larger_strides) == (1, 0, True, True)
    assert found[0].note() == "any stride from 1 up gives the same"


def test_even_kernels_cannot_keep_the_size_and_say_why():
    assert solve(8, 8, kernel=4, stride=1) == []
    reasons = why_none(8, 8, kernel=4, stride=1)
    assert reasons[0].startswith("an even kernel (4) cannot keep the size with the same padding on both sides: "
                                 "stride 1 gives OH = H + 2P − 4 + 1, so keeping 8 needs 2P = 3, an odd number. "
                                 "Use padding='same' (torch pads 1 before and 2 after)")
    assert "nn.ZeroPad2d((1, 2, 1, 2))" in reasons[0]


def test_other_impossibilities():
    assert why_none(7, 14, kernel=1, padding=0)[0].startswith("upsampling needs a transposed conv (convtranspose2d)")
    assert why_none(8, 5, kernel=3, stride=2, padding=1) == ["kernel 3, stride 2 and padding 1 give 4, not 5"]
    assert solve(8, 9, kernel=4, stride=1)[0].padding == 2  # 2P = 9 − 8 + 4 − 1 = 4: an even kernel may grow by 1
    assert why_none(8, 10, kernel=4, stride=1)[0] == (
        "with stride 1, OH = H + 2P − 4 + 1, so 10 needs 2P = 5, an odd number: no symmetric padding gives it")


def test_bad_sizes_are_refused():
    from convcalc.errors import SpecError

    with pytest.raises(SpecError, match="--in must be a positive size, got 0"):
        solve(0, 4)


@settings(max_examples=120, deadline=None)
@given(size=st.integers(1, 30), out=st.integers(1, 30))
def test_conv_solutions_are_exactly_the_brute_force_ones(size, out):
    cap = size + 2 * 11 + 2  # past this every stride gives the same
    found = settings_of(solve(size, out, limit=None), cap)
    expected = {(k, s, p, 1) for k in range(1, 12) for s in range(1, cap + 1) for p in range(0, k)
                if brute_force_conv(size, k, s, p, 1) == out}
    assert found == expected


@settings(max_examples=80, deadline=None)
@given(size=st.integers(1, 30), out=st.integers(1, 30), ceil_mode=st.booleans())
def test_pool_solutions_are_exactly_the_brute_force_ones(size, out, ceil_mode):
    count = brute_force_pool_ceil if ceil_mode else brute_force_conv
    cap = size + 2 * 11 + 2
    found = settings_of(solve(size, out, pool=True, ceil_mode=ceil_mode, limit=None), cap)
    expected = {(k, s, p, 1) for k in range(1, 12) for s in range(1, cap + 1) for p in range(0, k // 2 + 1)
                # torch accepts a ceil-mode window larger than the padded input (MaxPool2d(3, 2, ceil_mode=True)
                # on 2x2 gives 1x1); in floor mode it must fit
                if (ceil_mode or size + 2 * p >= k) and count(size, k, s, p, 1) == out}
    assert found == expected


@settings(max_examples=80, deadline=None)
@given(size=st.integers(1, 40), out=st.integers(1, 40), pool=st.booleans(), ceil_mode=st.booleans(),
       convention=st.sampled_from(["torch", "caffe", "tf"]), dilation=st.sampled_from([None, 2]))
def test_every_convention_against_the_formula(size, out, pool, ceil_mode, convention, dilation):
    d = dilation or 1
    cap = size + 2 * 11 * d + 2
    found = solve(size, out, pool=pool, ceil_mode=ceil_mode, convention=convention, dilation=dilation, limit=None)
    expected = set()
    for k in range(1, 12):
        paddings = ["same", "valid"] if convention == "tf" else range(0, padding_limit(k, d, pool, convention) + 1)
        for p in paddings:
            for s in range(1, cap + 1):
                if max(0, output_size(size, k, s, p, d, pool=pool, ceil_mode=ceil_mode, convention=convention)) == out:
                    expected.add((k, s, p, d))
    assert settings_of(found, cap) == expected
    keys = [(not t.conventional, t.stride, not t.exact) for t in found]
    assert keys == sorted(keys)
