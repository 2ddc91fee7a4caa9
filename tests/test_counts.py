"""Parameters, buffers, MACs and the dense-layer comparison, against hand counts and REFERENCE.md."""

from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc import analyze, from_data


def test_conv_macs_count_weights_only(run):
    # REFERENCE.md: 3x3x3x8 conv, 16x16 output -> 55,296 MACs (fvcore / GoogLeNet "ops"), bias excluded
    report = run("conv2d(8, 3, padding=1)", (3, 16, 16))
    assert report.layers[0].macs == 55296
    assert report.layers[0].weights == 3 * 3 * 3 * 8
    assert report.layers[0].bias == 8


def test_batch_scales_macs_not_params(run):
    one = run("conv2d(8, 3, padding=1)", (3, 16, 16))
    four = run("conv2d(8, 3, padding=1)", (3, 16, 16), batch=4)
    assert four.totals.macs == 4 * one.totals.macs
    assert four.totals.params == one.totals.params


def test_dense_equivalent_of_the_first_lenet_conv(run):
    # (1·28·28)·(6·28·28) = 3,687,936 weights, 24,586x the conv's 150 (issue 4's example)
    row = run("conv2d(6, 5, padding=2)", (1, 28, 28)).layers[0]
    assert row.fc_params == 3_687_936
    assert row.fc_params // row.weights == 24_586


def test_grouped_and_depthwise_conv(run):
    grouped = run("conv2d(64, 3, groups=4, bias=False)", (32, 8, 8)).layers[0]
    assert grouped.weight_shape == (64, 8, 3, 3)
    depthwise = run("conv2d(32, 3, padding=1, groups=32)", (32, 8, 8)).layers[0]
    assert depthwise.weight_shape == (32, 1, 3, 3)
    assert depthwise.params == 32 * 9 + 32
    assert depthwise.macs == 32 * 9 * 64


def test_transposed_conv_counts_input_positions(run):
    row = run("convtranspose2d(8, 3, stride=2, padding=1, output_padding=1)", (4, 7, 7)).layers[0]
    assert row.output_shape == (8, 14, 14)
    assert row.weight_shape == (4, 8, 3, 3)
    assert row.macs == 4 * 8 * 9 * 7 * 7


def test_batchnorm_parameters_and_buffers(run):
    report = run("conv2d(16, 3, bias=False), batchnorm2d", (3, 8, 8))
    bn = report.layers[1]
    assert bn.params == 32  # weight and bias
    assert bn.buffers == 33  # running mean, running var, num_batches_tracked
    assert bn.macs == 0
    assert report.totals.buffers == 33
    no_stats = run("batchnorm2d(affine=False, track_running_stats=False)", (3, 8, 8)).layers[0]
    assert (no_stats.params, no_stats.buffers) == (0, 0)


def test_layernorm_and_groupnorm(run):
    assert run("flatten, layernorm", (4, 2, 2)).layers[1].params == 32
    assert run("groupnorm(4)", (16, 8, 8)).layers[0].params == 32


def test_linear_on_unflattened_input_follows_torch_and_warns(run):
    report = run("linear(10)", (16, 5, 5))
    assert report.ok
    assert report.output_shape == (16, 5, 10)
    assert report.layers[0].macs == 5 * 10 * 16 * 5
    assert any(d.code == "not-flat" and "flatten" in d.hint for d in report.warnings)


def test_non_trainable_layers_move_to_the_non_trainable_total(run_data):
    report = run_data({"input": [1, 28, 28], "layers": [
        {"type": "conv2d", "out_channels": 6, "kernel_size": 5, "trainable": False},
        {"type": "sequential", "trainable": False, "layers": [{"type": "conv2d", "out_channels": 2, "kernel_size": 3}]},
        "flatten", {"type": "linear", "out_features": 10}]})
    assert report.totals.non_trainable_params == 156 + (2 * 6 * 9 + 2)
    assert report.totals.trainable_params == report.totals.params - report.totals.non_trainable_params
    assert report.totals.param_bytes == 4 * report.totals.params


def test_counts_are_python_ints_without_overflow(run):
    report = run("linear(100000), linear(100000), linear(100000)", (100000,))
    assert report.totals.params == 3 * (100000 * 100000 + 100000)
    assert isinstance(report.totals.params, int)


@settings(max_examples=60, deadline=None)
@given(out=st.integers(1, 32), k=st.integers(1, 5), size=st.integers(5, 40), grow=st.integers(1, 40),
       bias=st.booleans())
def test_params_do_not_depend_on_input_size(out, k, size, grow, bias):
    def params(s):
        return analyze(from_data({"input": [3, s, s], "layers": [
            {"type": "conv2d", "out_channels": out, "kernel_size": k, "bias": bias}, "batchnorm2d"]})).totals.params

    assert params(size) == params(size + grow) == out * 3 * k * k + (out if bias else 0) + 2 * out
