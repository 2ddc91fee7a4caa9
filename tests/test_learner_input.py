"""A learner's first contact: inputs written as the notes and torch write them (issue 14, points 2, 3, 5).

Expected numbers come from torch's own shapes (a conv on N×C×H×W keeps N) and from d2l's worked examples
(6.2: a 3×3 X through two 2×2 convs: Z sees 4 elements of Y and all 9 of X)."""

import json
import os

import pytest

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from typer.testing import CliRunner  # noqa: E402

from convcalc.cli import app  # noqa: E402

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, list(args))
    return result, result.stdout + result.stderr


def report(*args):
    result, output = run(*args, "--format", "json")
    assert result.exit_code == 0, output
    return json.loads(result.stdout), result.stderr


@pytest.mark.parametrize("text", ["1x1x28x28", "torch.Size([1, 1, 28, 28])", "(1, 1, 28, 28)", "[1, 1, 28, 28]",
                                  "１×１×２８×２８", "（1，1，28，28）"])
def test_a_batch_dim_is_read_as_the_batch(text):
    data, _ = report("shape", "lenet", "--input", text)
    assert data["input_shape"] == [1, 28, 28] and data["output_shape"] == [10]
    assert data["batch"] == 1 and data["batch_in_shapes"] is True


def test_the_batch_scales_macs_like_torch():
    one, _ = report("params", "lenet")
    four, _ = report("params", "lenet", "--input", "4x1x28x28")
    assert four["batch"] == 4 and four["totals"]["macs"] == 4 * one["totals"]["macs"] == 4 * 416_520
    assert four["totals"]["params"] == one["totals"]["params"] == 61_706  # parameters do not scale


def test_batch_given_twice_must_agree():
    result, output = run("shape", "lenet", "--input", "4x1x28x28", "--batch", "2")
    assert result.exit_code == 2 and "--batch 2 disagrees with the batch 4" in output


@pytest.mark.parametrize("text", ["28x28", "28*28", "(28, 28)"])
def test_a_two_d_input_is_one_channel_with_a_note(text):
    data, err = report("shape", "lenet", "--input", text)
    assert data["input_shape"] == [1, 28, 28] and data["output_shape"] == [10]
    assert "note: read 28x28 as 1x28x28: one channel" in err


def test_d2l_8x8_input_with_a_3x3_kernel_and_padding_1():
    """d2l 6.3: an 8×8 input, kernel 3, padding 1 keeps 8×8."""
    data, _ = report("shape", "--layers", "conv2d(1, 3, padding=1)", "--input", "8x8")
    assert data["output_shape"] == [1, 8, 8]


def test_a_1x2_kernel_as_convcalc_prints_it():
    """d2l 6.2's edge detector: kernel K = [[1, −1]] is 1×2; on 6×8 it gives 6×7."""
    data, _ = report("shape", "--layers", "conv2d(1, 1x2, bias=False)", "--input", "1x6x8")
    assert data["output_shape"] == [1, 6, 7]
    assert data["layers"][0]["kernel_size"] == [1, 2]


def test_full_width_punctuation():
    data, _ = report("shape", "--layers", "conv2d（6，5，padding＝2）", "--input", "1x28x28")
    assert data["output_shape"] == [6, 28, 28]


def test_channels_last_with_layout_or_keras_convention():
    data, err = report("shape", "--layers", "conv2d(8, 3)", "--input", "28x28x1", "--layout", "hwc")
    assert data["input_shape"] == [1, 28, 28] and data["output_shape"] == [8, 26, 26]
    assert "channels last" in err
    data, err = report("shape", "--layers", "conv2d(8, 3, padding=same, stride=2)", "--input", "28x28x1",
                       "--convention", "tf")
    assert data["input_shape"] == [1, 28, 28] and data["output_shape"] == [8, 14, 14]  # Keras: ceil(28/2)
    data, _ = report("shape", "--layers", "conv2d(8, 3)", "--input", "3x28x28", "--convention", "tf")
    assert data["input_shape"] == [3, 28, 28]  # channels first already: left alone


def test_a_refused_shape_says_what_to_type():
    result, output = run("shape", "lenet", "--input", "twenty-eight")
    assert result.exit_code == 2 and "hint: write channels then spatial dims" in output


def test_receptive_field_relative_to_an_earlier_layer():
    """d2l 6.2.6: X 3×3 → Y 2×2 → Z 1×1 with 2×2 kernels: Z sees 4 elements of Y and 9 of X."""
    layers = "conv2d(1, 2, name=Y), conv2d(1, 2, name=Z)"
    on_x, _ = report("rf", "--layers", layers, "--input", "1x3x3")
    assert on_x["layers"][1]["receptive_field"] == [3, 3]
    on_y, _ = report("rf", "--layers", layers, "--input", "1x3x3", "--relative-to", "Y")
    assert on_y["layers"][0]["receptive_field"] == [1, 1]  # Y itself: each element sees itself
    assert on_y["layers"][1]["receptive_field"] == [2, 2]
    result, output = run("rf", "--layers", layers, "--input", "1x3x3", "--relative-to", "W")
    assert result.exit_code == 2 and "no layer named 'W'" in output


def test_a_fully_connected_layer_sees_the_whole_input():
    data, _ = report("rf", "lenet")
    linear = [r for r in data["layers"] if r["type"] == "linear"]
    assert linear and all(r["receptive_field"] == [28, 28] and r["jump"] is None for r in linear)


def test_a_field_larger_than_the_input_is_said():
    result, output = run("rf", "--layers", "conv2d(4, 5, padding=2), conv2d(4, 5, padding=2)", "--input", "1x6x6")
    assert result.exit_code == 0
    assert "largest receptive field 9x9 (jump 1x1) at 1, larger than the 6x6 input" in output


def test_tables_show_the_batch_where_the_input_had_it():
    """As torch prints x.shape: a 4x1x28x28 input through LeNet gives 4x6x28x28, …, 4x10."""
    result, output = run("shape", "lenet", "--input", "4x1x28x28")
    assert result.exit_code == 0
    assert "4x1x28x28   4x6x28x28" in output and "4x1x28x28 → 4x10" in output
    result, output = run("shape", "lenet", "--input", "1x28x28")
    assert "1x28x28 → 10" in output  # without a batch dim in, none out
