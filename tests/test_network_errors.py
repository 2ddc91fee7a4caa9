"""Networks PyTorch refuses: the report is not ok and its first error names the layer and the fix."""

import pytest


@pytest.mark.parametrize("layers,input_shape,line,hint", [
    pytest.param("conv2d(4, 5), conv2d(4, 3)", (1, 6, 6),
                 "layers[1] conv2d: kernel 3x3 is larger than the padded input 2x2",
                 "use a smaller kernel, more padding, or a larger input", id="kernel-larger-than-input"),
    pytest.param("conv2d(4, 3, dilation=3)", (1, 6, 6),
                 "layers[0] conv2d: dilated kernel 7x7 (3x3 with dilation 3x3) is larger than the padded input 6x6",
                 "use a smaller kernel, more padding, or a larger input", id="dilated-kernel"),
    pytest.param("Conv2d(3, 8, 3)", (1, 8, 8),
                 "layers[0] conv2d: in_channels=3 but the previous layer gives 1 channels", "set in_channels=1",
                 id="channel-mismatch"),
    pytest.param("conv2d(8, 3, groups=3)", (6, 8, 8),
                 "layers[0] conv2d: groups=3 does not divide out_channels=8", "out_channels must be a multiple of groups",
                 id="groups-out"),
    pytest.param("conv2d(6, 3, groups=4)", (6, 8, 8),
                 "layers[0] conv2d: groups=4 does not divide in_channels=6", "in_channels must be a multiple of groups",
                 id="groups-in"),
    pytest.param("conv2d(6, 3, stride=2, padding=same)", (1, 8, 8),
                 "layers[0] conv2d: padding='same' is not supported for strided convolutions (stride 2x2)",
                 "use stride 1, give the padding as numbers, or --convention tf for Keras's 'same'", id="same-strided"),
    pytest.param("maxpool2d(3, padding=2)", (1, 8, 8),
                 "layers[0] maxpool2d: padding 2x2 is more than half the kernel 3x3 (torch allows at most 1x1)",
                 "use padding ≤ 1x1", id="pool-padding"),
    pytest.param("flatten, Linear(400, 10)", (16, 4, 4),
                 "layers[1] linear: in_features=400 but receives 256 features", "set in_features=256",
                 id="in-features"),
    pytest.param("Linear(400, 10)", (16, 5, 5),
                 "layers[0] linear: in_features=400 but receives 5 features (the last dim of 16x5x5)",
                 "add flatten before it: the input 16x5x5 has 400 elements", id="forgot-flatten"),
    pytest.param("flatten, conv2d(4, 3)", (1, 8, 8),
                 "layers[1] conv2d: expects a CxHxW input (3 dims without batch), got 64",
                 "the input is flat (after flatten or linear); move this layer before the flatten", id="conv-after-flatten"),
    pytest.param("BatchNorm2d(8)", (6, 8, 8),
                 "layers[0] batchnorm2d: num_features=8 but the previous layer gives 6 channels", "set num_features=6",
                 id="bn-features"),
    pytest.param("convtranspose2d(4, 3, stride=2, output_padding=2)", (1, 8, 8),
                 "layers[0] convtranspose2d: output_padding 2x2 must be smaller than either stride 2x2 or dilation 1x1",
                 None, id="output-padding"),
    pytest.param("concat([conv2d(4, 3)], [conv2d(4, 1)])", (1, 8, 8),
                 "layers[0] concat: branch 1 gives 4x8x8 but branch 0 gives 4x6x6; all dims but dim 1 must agree",
                 "crop branch 1 by 1 on each side, or pad branch 0 by 1 on each side", id="concat-mismatch"),
    pytest.param("add([conv2d(8, 3, stride=2, padding=1)])", (4, 8, 8),
                 "layers[0] add: the identity shortcut gives 4x8x8 but branch 0 gives 8x4x4; "
                 "added tensors must match in every dim or be 1 there (broadcasting)",
                 "add a projection shortcut as a second branch: [conv2d(8, 1, stride=2)]", id="residual-mismatch"),
])
def test_refused_networks(run, layers, input_shape, line, hint):
    report = run(layers, input_shape)
    assert not report.ok
    assert report.output_shape is None
    first = report.errors[0]
    assert first.line == line
    assert first.hint == hint


def test_rows_before_the_failure_are_kept(run):
    report = run("conv2d(4, 3), relu, conv2d(4, 9)", (1, 8, 8))
    assert [r.path for r in report.layers] == ["layers[0]", "layers[1]"]


def test_inexact_division_warns_and_strict_makes_it_an_error(run):
    report = run("conv2d(4, 5, stride=2)", (1, 28, 28))
    assert report.ok
    (warning,) = report.warnings
    assert warning.code == "inexact-division"
    assert warning.line == ("layers[0] conv2d: the last 1 row and 1 column of the padded input are never covered "
                            "(28 + 2·0 − 5 = 23 is not a multiple of 2)")
    strict = run("conv2d(4, 5, stride=2)", (1, 28, 28), strict=True)
    assert not strict.ok
    assert strict.output_shape == (4, 12, 12)


def test_padding_only_drops_are_said_to_be_padding(run):
    report = run("conv2d(64, 7, stride=2, padding=3)", (3, 224, 224))
    assert report.warnings[0].message.endswith("; only padding is dropped")


def test_ceil_mode_pool_does_not_warn(run):
    report = run("maxpool2d(3, 2, ceil_mode=True)", (1, 112, 112))
    assert report.ok and not report.warnings
    assert report.output_shape == (1, 56, 56)


def test_padding_modes_follow_torchs_limits(run):
    # torch 2.13: replicate pads any amount; reflect needs pad < size; circular wraps at most once
    assert run("conv2d(5, 1, padding=2, padding_mode='replicate')", (16, 26, 1)).output_shape == (5, 30, 5)
    assert not run("conv2d(5, 1, padding=2, padding_mode='reflect')", (16, 26, 2)).ok
    assert run("conv2d(5, 1, padding=2, padding_mode='circular')", (16, 26, 2)).ok
    assert not run("conv2d(5, 1, padding=3, padding_mode='circular')", (16, 26, 2)).ok


def test_avgpool3d_checks_the_unpadded_input(run):
    # torch: "input image (T: 1 H: 5 W: 5) smaller than kernel size (kT: 3 kH: 3 kW: 3)"; 2-D does not check
    report = run("avgpool3d(3, 1, 1)", (2, 1, 5, 5))
    assert report.errors[0].line.startswith("layers[0] avgpool3d: input 1x5x5 is smaller than the kernel 3x3x3")
    assert run("avgpool2d(3, 1, 1)", (2, 1, 5)).output_shape == (2, 1, 5)
    assert run("maxpool3d(3, 1, 1)", (2, 1, 5, 5)).output_shape == (2, 1, 5, 5)
