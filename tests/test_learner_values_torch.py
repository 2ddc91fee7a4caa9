"""corr2d and pool against torch: F.conv2d, F.max_pool2d and F.avg_pool2d on many random small matrices
(integers and fractions, 1–3 channels and filters, strides, padding, non-square kernels)."""

import random
from fractions import Fraction

import pytest

from convcalc import numeric

torch = pytest.importorskip("torch")
F = torch.nn.functional


def random_case(rng: random.Random):
    c, fn = rng.randint(1, 3), rng.randint(1, 3)
    h, w = rng.randint(1, 7), rng.randint(1, 7)
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    fh, fw = rng.randint(1, h + 2 * ph), rng.randint(1, w + 2 * pw)
    sh, sw = rng.randint(1, 3), rng.randint(1, 3)

    def value():
        return Fraction(rng.randint(-9, 9), rng.choice([1, 1, 1, 2, 4]))

    x = [[[value() for _ in range(w)] for _ in range(h)] for _ in range(c)]
    k = [[[[value() for _ in range(fw)] for _ in range(fh)] for _ in range(c)] for _ in range(fn)]
    return x, k, (sh, sw), (ph, pw)


def tensor(value):
    return torch.tensor(numeric._map(value, float), dtype=torch.float64)


def close(ours, theirs):
    got = torch.tensor(numeric._map(ours, float), dtype=torch.float64)
    assert got.shape == theirs.shape, (got.shape, theirs.shape)
    assert torch.allclose(got, theirs, atol=1e-9), (got, theirs)


@pytest.mark.parametrize("seed", range(200))
def test_corr2d_is_conv2d(seed):
    rng = random.Random(seed)
    x, k, stride, padding = random_case(rng)
    bias = [Fraction(rng.randint(-3, 3)) for _ in k] if rng.random() < 0.3 else None
    ours = numeric.corr2d(x, k, stride=stride, padding=padding, bias=bias)
    theirs = F.conv2d(tensor(x)[None], tensor(k), None if bias is None else tensor(bias), stride=stride,
                      padding=padding)[0]
    close(ours.values(), theirs)


@pytest.mark.parametrize("seed", range(200))
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_is_max_pool2d_and_avg_pool2d(seed, mode):
    rng = random.Random(seed)
    c, h, w = rng.randint(1, 3), rng.randint(1, 7), rng.randint(1, 7)
    fh, fw = rng.randint(1, min(h, 4)), rng.randint(1, min(w, 4))
    ph, pw = rng.randint(0, fh // 2), rng.randint(0, fw // 2)
    stride = None if rng.random() < 0.3 else (rng.randint(1, 3), rng.randint(1, 3))
    x = [[[Fraction(rng.randint(-9, 9), rng.choice([1, 2])) for _ in range(w)] for _ in range(h)] for _ in range(c)]
    ours = numeric.pool2d(x, (fh, fw), stride=stride, padding=(ph, pw), mode=mode)
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    theirs = pool(tensor(x)[None], (fh, fw), stride=stride, padding=(ph, pw))[0]
    close(ours.values(), theirs)


def test_d2l_one_by_one_conv_is_a_matrix_product():
    # d2l 6.4.3 (note 003 §4.3): corr2d_multi_in_out_1x1 (a matmul) equals corr2d_multi_in_out on 3x3x3, K 2x3x1x1
    rng = random.Random(0)
    x = [[[Fraction(rng.randint(-9, 9)) for _ in range(3)] for _ in range(3)] for _ in range(3)]
    k = [[[[Fraction(rng.randint(-9, 9))]] for _ in range(3)] for _ in range(2)]
    y = numeric.corr2d(x, k).values()
    flat = tensor(x).reshape(3, 9)
    assert torch.equal(tensor(y), (tensor(k).reshape(2, 3) @ flat).reshape(2, 3, 3))
