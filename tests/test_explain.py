"""--explain: the arithmetic of the whole layer, in the notes' notation ("Deep Learning from Scratch":
OH = (H + 2P − FH)/S + 1; C·FH·FW·FN + FN; d2l's total padding p_h next to torch's per-side P)."""

import pytest

from convcalc.explain import coverage


def working(run, layers, input_shape, key, index=0, **kwargs):
    return run(layers, input_shape, explain=True, **kwargs).layers[index].explain.get(key)


def test_conv_shape_and_params_of_the_first_lenet_layer(run):
    assert working(run, "conv2d(6, 5, padding=2)", (1, 28, 28), "shape") == (
        "OH = OW = (H + 2P − FH)/S + 1 = (28 + 2·2 − 5)/1 + 1 = 28; 6 filters → 6 output channels; "
        "P = 2 on each side: d2l's total padding p_h = p_w = 4")
    assert working(run, "conv2d(6, 5, padding=2)", (1, 28, 28), "params") == (
        "per filter C·FH·FW = 1·5·5 = 25 weights; in all C·FH·FW·FN + FN = 1·5·5·6 + 6 = 156; "
        "MACs = 150 weights × 28·28 output positions = 117,600; "
        "dense: (1·28·28)·(6·28·28) = 3,687,936 weights — 24,586× more")


def test_li_hongyis_9_and_225_weights_per_filter(run):
    # Li Hongyi's CNN lecture: 25 3x3 filters on a 1x28x28 digit have 1·3·3 = 9 weights each; the 50 filters
    # of the second conv see all 25 channels: 25·3·3 = 225
    report = run("conv2d(25, 3), maxpool2d(2), conv2d(50, 3)", (1, 28, 28), explain=True)
    assert report.layers[0].explain["params"].startswith("per filter C·FH·FW = 1·3·3 = 9 weights")
    assert report.layers[2].explain["params"].startswith("per filter C·FH·FW = 25·3·3 = 225 weights")


def test_inexact_division_is_spelled_out(run):
    assert working(run, "conv2d(6, 5, stride=2)", (1, 28, 28), "shape") == (
        "OH = OW = (H + 2P − FH)/S + 1 = (28 + 2·0 − 5)/2 + 1 = 12.5 → floor 12; 6 filters → 6 output channels; "
        "the last 1 row and 1 column of the input never covered: the floor drops them")


def test_a_rounded_value_never_looks_whole(run):
    # 999,989/499,995 + 1 is 2.999998, not "3 → floor 2"
    text = working(run, "conv2d(1, (11, 1), stride=(499995, 1))", (1, 1_000_000, 1), "shape")
    assert "(1000000 + 2·0 − 11)/499995 + 1 = 2.999998 → floor 2" in text


def test_only_padding_uncovered_is_said_so(run):
    # d2l's 8x8, k3, p1, s2: the row left over is padding, no input pixel is lost
    assert working(run, "conv2d(1, 3, padding=1, stride=2)", (1, 8, 8), "shape").endswith(
        "only padding is left uncovered (1 row and 1 column), no input pixel")


def test_a_kernel_smaller_than_the_stride_skips_rows(run):
    # was "(0 rows never covered)": a 1x1 kernel with stride 3 on 7 reads rows 0, 3, 6 and skips 4 of them
    assert working(run, "conv2d(2, 1, stride=3)", (1, 7, 7), "shape").endswith(
        "4 rows and 4 columns of the input skipped between windows (window 1 < stride 3): never covered")
    # and on 8 it also leaves the last one
    assert working(run, "conv2d(2, 1, stride=3)", (1, 8, 8), "shape").endswith(
        "4 rows and 4 columns of the input skipped between windows (window 1 < stride 3): never covered; "
        "the last 1 row and 1 column of the input never covered: the floor drops them")


@pytest.mark.parametrize("size,kernel,stride,padding,dilation", [
    (s, k, st, p, d) for s in range(1, 13) for k in (1, 2, 3) for st in (1, 2, 3, 4) for p in (0, 1)
    for d in (1, 2) if s + 2 * p >= d * (k - 1) + 1])
def test_coverage_counts_the_positions_no_window_reads(size, kernel, stride, padding, dilation):
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    read = {j * stride + i * dilation for j in range(out) for i in range(kernel)}
    last = max(read)
    inputs = range(padding, padding + size)
    expected = (sum(1 for p in inputs if p not in read and p > last), sum(1 for p in inputs if p not in read and p < last),
                sum(1 for p in range(size + 2 * padding) if p not in read and p not in inputs))
    assert coverage(size, kernel, stride, padding, padding, dilation, out) == expected


def test_ceil_mode_and_the_dropped_last_window(run):
    assert working(run, "maxpool2d(3, 2, ceil_mode=True)", (1, 12, 12), "shape") == (
        "OH = OW = (H + 2P − FH)/S + 1 = (12 + 2·0 − 3)/2 + 1 = 5.5 → ceil 6; 1 channel kept")
    # REFERENCE.md: k2 s2 p1 on 5 gives 3 in ceil mode, a naive ceil 4
    assert working(run, "maxpool2d(2, 2, 1, ceil_mode=True)", (1, 5, 5), "shape").startswith(
        "OH = OW = (H + 2P − FH)/S + 1 = (5 + 2·1 − 2)/2 + 1 = 3.5 → ceil 4, less the window that would start in "
        "the right padding = 3")


def test_a_pools_stride_defaults_to_its_kernel_and_keeps_the_channels(run):
    assert working(run, "maxpool2d(2)", (6, 28, 28), "shape") == (
        "OH = OW = (H + 2P − FH)/S + 1 = (28 + 2·0 − 2)/2 + 1 = 14; S = 2: a pool's stride defaults to its "
        "kernel size (d2l's pool2d slides by 1); 6 channels kept: each channel on its own")
    assert "defaults" not in working(run, "maxpool2d(2, 2)", (6, 28, 28), "shape")


def test_per_dim_formulas_when_dims_differ(run):
    assert working(run, "conv2d(1, (5, 3), padding=(2, 1))", (1, 8, 8), "shape") == (
        "OH = (H + 2P − FH)/S + 1 = (8 + 2·2 − 5)/1 + 1 = 8; OW = (W + 2P − FW)/S + 1 = (8 + 2·1 − 3)/1 + 1 = 8; "
        "1 filter → 1 output channel; P = 2x1 on each side: d2l's total padding p_h = 4, p_w = 2")


def test_one_and_three_spatial_dims(run):
    assert working(run, "conv1d(2, 3, padding=1)", (1, 7), "shape").startswith(
        "OL = (L + 2P − FL)/S + 1 = (7 + 2·1 − 3)/1 + 1 = 7")
    assert working(run, "conv3d(2, 3, padding=1)", (1, 7, 7, 7), "shape").startswith(
        "OD = OH = OW = (D + 2P − FD)/S + 1 = (7 + 2·1 − 3)/1 + 1 = 7")
    assert working(run, "conv3d(2, 3)", (4, 7, 7, 7), "params").startswith(
        "per filter C·FD·FH·FW = 4·3·3·3 = 108 weights")


def test_dilation_and_same_padding(run):
    assert working(run, "conv2d(4, 3, dilation=2)", (4, 15, 15), "shape").startswith(
        "OH = OW = (H + 2P − d·(FH − 1) − 1)/S + 1 = (15 + 2·0 − 2·(3 − 1) − 1)/1 + 1 = 11")
    assert working(run, "conv2d(4, 4, padding=same)", (4, 15, 15), "shape") == (
        "OH = OW = (H + P₁ + P₂ − FH)/S + 1 = (15 + 1 + 2 − 4)/1 + 1 = 15; 4 filters → 4 output channels; "
        "padding='same': padding 1 before and 2 after (the extra on the right/bottom): d2l's total p_h = p_w = 3")


def test_transposed_conv_and_tf_same(run):
    assert working(run, "convtranspose2d(8, 3, stride=2, padding=1, output_padding=1)", (4, 7, 7), "shape") == (
        "(7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 14; 8 filters → 8 output channels")
    assert working(run, "convtranspose2d(8, 3, stride=2, padding=1, output_padding=1)", (4, 7, 7), "params").startswith(
        "weight 4x8x3x3: 4·8·3·3 + 8 = 296; MACs = 288 weights × 7·7 input positions = 14,112")
    assert working(run, "conv2d(4, 3, stride=2, padding=same)", (1, 8, 8), "shape", convention="tf").startswith(
        "OH = OW = (H + P₁ + P₂ − FH)/S + 1 = (8 + 0 + 1 − 3)/2 + 1 = 4")


def test_groups_no_bias_and_the_batch(run):
    assert working(run, "conv2d(8, 3, groups=2, bias=False)", (4, 8, 8), "params").startswith(
        "per filter (C/groups)·FH·FW = (4/2)·3·3 = 18 weights; in all (C/groups)·FH·FW·FN = 2·3·3·8 = 144 (no bias); "
        "MACs = 144 weights × 6·6 output positions = 5,184")
    assert "MACs = 150 weights × 24·24 output positions × batch 4 = 345,600" in working(
        run, "conv2d(6, 5)", (1, 28, 28), "params", batch=4)


def test_receptive_field_step(run):
    assert working(run, "conv2d(4, 3, padding=1), maxpool2d(2)", (1, 8, 8), "rf", index=1) == (
        "rf 3 + (2 − 1)·1 = 4, jump 1·2 = 2, start 0 + ((2 − 1)/2 − 0)·1 = 0.5")


def test_one_by_one_conv_is_a_shared_dense_layer(run):
    assert working(run, "conv2d(64, 1)", (3, 8, 8), "params").endswith(
        "a 1x1 conv is one 3→64 dense layer shared by all 8x8 positions")


def test_linear_bn_flatten_and_global_pooling(run):
    report = run("batchnorm2d, flatten, linear(10)", (16, 5, 5), explain=True)
    assert report.layers[0].explain["params"] == "2·16 = 32; buffers 2·16 + 1 = 33"
    assert report.layers[1].explain["shape"] == "C·H·W = 16·5·5 = 400"
    assert report.layers[2].explain["params"] == "in·out + out = 400·10 + 10 = 4,010; MACs = 400·10 = 4,000"
    assert report.layers[2].explain["shape"] == "last dim 400 → 10 (out_features)"
    assert working(run, "adaptiveavgpool2d(1)", (512, 7, 7), "shape") == (
        "output_size 1x1, whatever the input 7x7 (global pooling: one window over the whole 7x7 map); "
        "512 channels kept: each channel on its own")


def test_merge_rows_add_up(run):
    # a block's row is its merge: a concat's channels add up, an add's shapes agree
    report = run("add([conv2d(4, 3, padding=1), relu]), concat([conv2d(2, 1)], [maxpool2d(3, 1, 1)])", (4, 8, 8),
                 explain=True)
    assert report.ok
    assert report.layers[0].explain == {"shape": "element-wise: 4x8x8 + 4x8x8 → 4x8x8"}
    assert report.layers[1].explain["shape"] == "OH = OW = (H + 2P − FH)/S + 1 = (8 + 2·1 − 3)/1 + 1 = 8; " \
                                                "4 filters → 4 output channels; P = 1 on each side: d2l's total " \
                                                "padding p_h = p_w = 2"
    concat = next(r for r in report.layers if r.path == "layers[1]")
    assert concat.explain == {"shape": "C = 2 + 4 = 6: concatenated on the channels (every input is 8x8)"}


def test_googlenets_inception_3a_concatenates_to_256(run_data):
    from convcalc import catalog

    report = __import__("convcalc").analyze(catalog.load("googlenet"), explain=True)
    row = next(r for r in report.layers if r.name == "3a" or r.node.endswith("3a"))
    assert row.explain["shape"] == "C = 64 + 128 + 32 + 32 = 256: concatenated on the channels (every input is 28x28)"


def test_broadcasting_merge(run_data):
    report = run_data({"input": [64, 8, 8], "layers": [
        {"type": "adaptiveavgpool2d", "output_size": 1, "name": "g"},
        {"type": "mul", "from": ["input", "g"]}]}, explain=True)
    assert report.layers[-1].explain["shape"] == "element-wise: 64x8x8 · 64x1x1 → 64x8x8 (a size-1 dim is broadcast)"
