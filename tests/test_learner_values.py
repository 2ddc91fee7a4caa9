"""convcalc corr2d and convcalc pool: the notes' small matrices, read as the notes write them, computed
exactly, explained window by window, refused clearly beyond 32x32."""

import json
import os
from fractions import Fraction

import pytest
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from convcalc import numeric  # noqa: E402
from convcalc.cli import app  # noqa: E402
from convcalc.errors import NetworkError, SpecError  # noqa: E402

runner = CliRunner()

X = "0 1 2; 3 4 5; 6 7 8"
K = "0 1; 2 3"


def invoke(*args):
    return runner.invoke(app, list(args))


def ints(value):
    return numeric._map(value, lambda x: int(x) if x.denominator == 1 else x)


@pytest.mark.parametrize("text", [
    "0 1 2; 3 4 5; 6 7 8",
    "0,1,2;3,4,5;6,7,8",
    "0 1 2\n3 4 5\n6 7 8",
    "[[0, 1, 2], [3, 4, 5], [6, 7, 8]]",
    "((0, 1, 2), (3, 4, 5), (6, 7, 8))",
    "torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])",
    "torch.arange(9).reshape(3, 3)",
    "torch.arange(9, dtype=torch.float32).reshape((3, 3))",
    "torch.arange(9.0).view(3, 3)",
    "［［0，1，2］，［3，4，5］，［6，7，8］］",  # typed with a Chinese input method
    "0 1 2；3 4 5；6 7 8",
], ids=repr)
def test_one_matrix_many_ways(text):
    assert ints(numeric.parse_tensor(text, "X")) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_channels_filters_and_arithmetic():
    assert ints(numeric.parse_tensor("0 1; 2 3 | 1 2; 3 4", "K")) == [[[0, 1], [2, 3]], [[1, 2], [3, 4]]]
    assert ints(numeric.parse_tensor("torch.arange(4).reshape(2, 2) + 1", "K")) == [[1, 2], [3, 4]]
    assert ints(numeric.parse_tensor("-torch.ones((2, 2)) * 2", "K")) == [[-2, -2], [-2, -2]]
    assert numeric.parse_tensor("0.1 1/3", "X") == [[Fraction(1, 10), Fraction(1, 3)]]
    assert ints(numeric.parse_tensor("torch.zeros(1, 1, 2, 2)", "X")) == [[[[0, 0], [0, 0]]]]


@pytest.mark.parametrize("text,message", [
    ("", "X: empty"),
    ("0 1; 2", "X: the rows are not all the same length"),
    ("0 a", "X: 'a' is not a number"),
    ("0 nan", "X: 'nan' is not a number"),
    ("__import__('os')", "X: cannot read"),
    ("torch.arange(10**9)", "X: 1,000,000,000 values are too many for a small matrix"),
    ("torch.ones(40, 40)", "X is 40x40: convcalc computes values up to 32x32"),
    (" ".join(["0"] * 33), "X is 1x33: convcalc computes values up to 32x32"),
    ("[[[[[1]]]]]", "X: a matrix has 2 levels of lists (3: channels, 4: filters), got 5"),
    ("torch.ones(40, 2, 2)", "X has 40x2x2 values: convcalc computes values for up to 32 channels and 32 filters"),
    ("torch.arange(6).reshape(4, 4)", "X: cannot reshape 6 values to (4, 4)"),
    ("[[1, 2], [3, 4]] + [[1, 2], [3, 4]]", "(only a number may be added to"),
    ("x" * 200_001, "X: the text is too long for a small matrix (200,001 characters; the limit is 200,000)"),
], ids=repr)
def test_bad_matrices_are_refused_with_what_to_type(text, message):
    with pytest.raises(SpecError) as info:
        numeric.parse_tensor(text, "X")
    assert message in str(info.value)
    assert len(str(info.value)) < 300


def test_d2l_corr2d():
    # d2l 6.2.1 (note 003 §2.1, note 000 fig. 1)
    result = numeric.corr2d(numeric.parse_tensor(X, "X"), numeric.parse_tensor(K, "K"))
    assert ints(result.values()) == [[19, 25], [37, 43]]
    assert result.output_shape == (2, 2)


def test_channel_mismatch_is_explained():
    with pytest.raises(NetworkError) as info:
        numeric.corr2d(numeric.parse_tensor(X + " | " + X, "X"), numeric.parse_tensor(K, "K"))
    assert str(info.value) == ("X has 2 channels but each filter of K has 1: a filter's channels must equal the "
                               "input's")
    assert info.value.hint == "give K one matrix per input channel: a list of 2 matrices (d2l's corr2d_multi_in)"
    with pytest.raises(NetworkError, match="kernel 4x4 is larger than the padded input 3x3"):
        numeric.corr2d(numeric.parse_tensor(X, "X"), numeric.parse_tensor("torch.ones(4, 4)", "K"))
    with pytest.raises(NetworkError, match=r"padding 2x2 is more than half the kernel 2x2 \(torch allows at most 1x1\)"):
        numeric.pool2d(numeric.parse_tensor(X, "X"), (2, 2), padding=(2, 2))
    with pytest.raises(SpecError, match="one sample"):
        numeric.corr2d(numeric.parse_tensor("torch.ones(2, 1, 3, 3)", "X"), numeric.parse_tensor(K, "K"))


def test_exact_averages_and_how_numbers_print():
    result = numeric.pool2d(numeric.parse_tensor("1 2; 3 5", "X"), (2, 2), mode="avg")
    assert result.values() == [[Fraction(11, 4)]]
    assert [numeric.number(Fraction(x)) for x in ("11/4", "-1/8", "1/3", "19")] == ["2.75", "-0.125", "0.333333", "19"]
    assert numeric.format_tensor([[Fraction(56), Fraction(72)], [Fraction(104), Fraction(120)]]) == (
        "[[ 56,  72],\n [104, 120]]")


def test_cli_corr2d_prints_the_matrix():
    result = invoke("corr2d", X, K)
    assert result.exit_code == 0, result.output
    assert result.stdout == "[[19, 25],\n [37, 43]]\n"


def test_cli_corr2d_explain_shows_each_window():
    result = invoke("corr2d", X, K, "--explain")
    assert result.stdout.splitlines()[1:] == [
        "OH = OW = (H + 2P − FH)/S + 1 = (3 + 2·0 − 2)/1 + 1 = 2",
        "Y[0,0] = 0·0 + 1·1 + 3·2 + 4·3 = 19",
        "Y[0,1] = 1·0 + 2·1 + 4·2 + 5·3 = 25",
        "Y[1,0] = 3·0 + 4·1 + 6·2 + 7·3 = 37",
        "Y[1,1] = 4·0 + 5·1 + 7·2 + 8·3 = 43",
        "Y =",
        "[[19, 25],",
        " [37, 43]]",
    ]


def test_cli_bias_negative_numbers_and_json():
    result = invoke("corr2d", "1 -1; 0 2", "1 1", "--bias", "3", "--explain", "--json")
    data = json.loads(result.stdout)
    assert data["output"] == [[3], [5]] and data["bias"] == [3]
    assert data["explain"][-1] == "Y[1,0] = 0·1 + 2·1 + 3 = 5"
    assert "Y[0,0] = 1·1 + (−1)·1 + 3 = 3" in data["explain"]
    assert data["schema"] == "convcalc.corr2d/1" and data["output_shape"] == [2, 1]


def test_cli_pool_says_the_stride_is_the_kernel():
    result = invoke("pool", X, "--kernel", "2")
    assert result.exit_code == 0
    assert result.stdout == "[[4]]\n"
    assert result.stderr == ("note: stride = kernel size (2), as nn.MaxPool2d and nn.AvgPool2d default; d2l's pool2d "
                             "slides by 1: add --stride 1 for it\n")


def test_cli_errors_and_exit_codes():
    big = invoke("corr2d", "torch.ones(33, 33)", K)
    assert big.exit_code == 2
    assert big.stderr == ("error: X is 33x33: convcalc computes values up to 32x32\n"
                          "hint: for larger inputs, `convcalc shape` gives the shapes and counts without the values\n")
    mismatch = invoke("corr2d", X + " | " + X, K)
    assert mismatch.exit_code == 1 and mismatch.stderr.startswith("error: X has 2 channels but each filter of K has 1")
    assert invoke("pool", X, "--kernel", "0").exit_code == 2
    assert invoke("pool", X, "--kernel", "2", "--stride", "a").stderr.startswith(
        "error: --stride: expected one number or two (rows x columns), at least 1, got 'a'")


def test_cli_explain_in_chinese():
    result = invoke("pool", X, "--kernel", "2", "--stride", "1", "--mode", "avg", "--explain", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "平均汇聚：取每个窗口的平均值（填充按 0 计），每个通道单独计算"
    assert "Y[1,1] = (4 + 5 + 7 + 8)/4 = 6" in result.stdout
    assert invoke("corr2d", "torch.ones(33, 33)", K, "--lang", "zh").stderr.startswith(
        "错误: X 是 33x33：convcalc 只计算不超过 32x32 的数值\n提示: ")
