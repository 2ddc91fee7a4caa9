"""Worked examples of the CNN course material (../shared/seeds) and published LeNet numbers."""

import pytest

LENET = ("conv2d(6, 5, padding=2), sigmoid, avgpool2d(2, 2), conv2d(16, 5), sigmoid, avgpool2d(2, 2), flatten, "
         "linear(120), sigmoid, linear(84), sigmoid, linear(10)")


@pytest.mark.parametrize("layers,input_shape,output", [
    pytest.param("conv2d(1, 3, padding=1)", (1, 8, 8), (1, 8, 8), id="8x8-k3-p1-stays-8x8"),
    pytest.param("conv2d(1, (5, 3), padding=(2, 1))", (1, 8, 8), (1, 8, 8), id="8x8-k5x3-p2x1-stays-8x8"),
    pytest.param("conv2d(1, 3, padding=1, stride=2)", (1, 8, 8), (1, 4, 4), id="8x8-k3-p1-s2-gives-4x4"),
    pytest.param("maxpool2d(3, padding=1, stride=2)", (1, 4, 4), (1, 2, 2), id="4x4-maxpool3-p1-s2-gives-2x2"),
    pytest.param("conv2d(1, 3, stride=2)", (1, 7, 7), (1, 3, 3), id="7x7-k3-s2-gives-3x3"),
    pytest.param("conv2d(1, 3)", (1, 4, 4), (1, 2, 2), id="4x4-k3-gives-2x2"),
    pytest.param("conv2d(1, 3, padding=1)", (1, 4, 4), (1, 4, 4), id="4x4-k3-p1-gives-4x4"),
    pytest.param("conv2d(10, 5), maxpool2d(2), conv2d(20, 5), maxpool2d(2), flatten", (1, 28, 28), (320,),
                 id="mnist-cnn-flattens-to-320"),
])
def test_course_shapes(run, layers, input_shape, output):
    report = run(layers, input_shape)
    assert report.ok
    assert report.output_shape == output


def test_conv_weight_shape_from_the_notes(run):
    # 5x100x100 through Conv2d(5, 10, kernel_size=3): output 10x98x98, weight (10, 5, 3, 3)
    report = run("conv2d(10, 3)", (5, 100, 100))
    row = report.layers[0]
    assert row.output_shape == (10, 98, 98)
    assert row.weight_shape == (10, 5, 3, 3)
    assert row.params == 10 * 5 * 9 + 10


def test_lenet_per_layer_params(run):
    # d2l LeNet: 156 / 2,416 / 48,120 / 10,164 / 850, total 61,706 (REFERENCE.md)
    report = run(LENET, (1, 28, 28))
    params = [r.params for r in report.layers if r.params]
    assert params == [156, 2416, 48120, 10164, 850]
    assert report.totals.params == 61706
    assert [r.output_shape for r in report.layers if r.type in ("conv2d", "avgpool2d", "flatten")] == [
        (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,)]


def test_pytorch_tutorial_lenet(run):
    report = run("conv2d(6, 5), relu, maxpool2d(2), conv2d(16, 5), relu, maxpool2d(2), flatten, linear(120), relu, "
                 "linear(84), relu, linear(10)", (1, 32, 32))
    assert report.totals.params == 61706
    assert report.output_shape == (10,)


def test_rows_add_up_to_the_totals(run):
    report = run(LENET, (1, 28, 28))
    leaves = [r for r in report.layers if not r.block]
    assert sum(r.params for r in leaves) == report.totals.params
    assert sum(r.macs for r in leaves) == report.totals.macs
