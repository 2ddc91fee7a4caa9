"""--explain: the arithmetic as the issue and the course notes write it."""


def working(run, layers, input_shape, key, index=0, **kwargs):
    return run(layers, input_shape, explain=True, **kwargs).layers[index].explain.get(key)


def test_conv_shape_and_params_of_the_first_lenet_layer(run):
    assert working(run, "conv2d(6, 5, padding=2)", (1, 28, 28), "shape") == "(28 + 2·2 − 5)/1 + 1 = 28"
    assert working(run, "conv2d(6, 5, padding=2)", (1, 28, 28), "params") == (
        "6·(1·5·5) + 6 = 156; dense: (1·28·28)·(6·28·28) = 3,687,936 weights — 24,586× more")


def test_inexact_division_is_spelled_out(run):
    assert working(run, "conv2d(6, 5, stride=2)", (1, 28, 28), "shape") == (
        "(28 + 2·0 − 5)/2 + 1 = 12.5 → floor 12 (1 row and 1 column never covered)")


def test_ceil_mode_and_the_dropped_last_window(run):
    assert working(run, "maxpool2d(3, 2, ceil_mode=True)", (1, 12, 12), "shape") == "(12 + 2·0 − 3)/2 + 1 = 5.5 → ceil 6"
    # REFERENCE.md: k2 s2 p1 on 5 gives 3 in ceil mode, a naive ceil 4
    assert working(run, "maxpool2d(2, 2, 1, ceil_mode=True)", (1, 5, 5), "shape") == (
        "(5 + 2·1 − 2)/2 + 1 = 3.5 → ceil 4, less the window that would start in the right padding = 3")


def test_per_dim_formulas_when_dims_differ(run):
    assert working(run, "conv2d(1, (5, 3), padding=(2, 1))", (1, 8, 8), "shape") == (
        "(8 + 2·2 − 5)/1 + 1 = 8; (8 + 2·1 − 3)/1 + 1 = 8")


def test_transposed_conv_and_tf_same(run):
    assert working(run, "convtranspose2d(8, 3, stride=2, padding=1, output_padding=1)", (4, 7, 7), "shape") == (
        "(7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 14")
    assert working(run, "conv2d(4, 3, stride=2, padding=same)", (1, 8, 8), "shape", convention="tf") == (
        "(8 + 0 + 1 − 3)/2 + 1 = 4")


def test_receptive_field_step(run):
    assert working(run, "conv2d(4, 3, padding=1), maxpool2d(2)", (1, 8, 8), "rf", index=1) == (
        "rf 3 + (2 − 1)·1 = 4, jump 1·2 = 2, start 0 + ((2 − 1)/2 − 0)·1 = 0.5")


def test_one_by_one_conv_is_a_shared_dense_layer(run):
    assert working(run, "conv2d(64, 1)", (3, 8, 8), "params").endswith(
        "a 1x1 conv is one 3→64 dense layer shared by all 8x8 positions")


def test_linear_bn_and_flatten(run):
    report = run("batchnorm2d, flatten, linear(10)", (16, 5, 5), explain=True)
    assert report.layers[0].explain["params"] == "2·16 = 32; buffers 2·16 + 1 = 33"
    assert report.layers[1].explain["shape"] == "16·5·5 = 400"
    assert report.layers[2].explain["params"] == "10·400 + 10 = 4,010"


def test_blocks_with_explain(run):
    # block rows have no arithmetic of their own; their children do (this crashed: a NameError, exit 70)
    report = run("add([conv2d(4, 3, padding=1), relu]), concat([conv2d(2, 1)], [maxpool2d(3, 1, 1)])", (4, 8, 8),
                 explain=True)
    assert report.ok
    assert report.layers[0].explain is None
    assert report.layers[1].explain["shape"] == "(8 + 2·1 − 3)/1 + 1 = 8"
