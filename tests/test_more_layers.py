"""Layers a pasted print(model) often holds: PReLU, Upsample, padding layers, InstanceNorm, PixelShuffle,
Unflatten, Hardtanh. Expected values computed with torch 2.13 (zeros in, shapes/params/buffers out)."""

import pytest

CASES = [  # inline layer, input shape, output shape, params, buffers
    ("PReLU()", (4, 8, 8), (4, 8, 8), 1, 0),
    ("PReLU(4)", (4, 8, 8), (4, 8, 8), 4, 0),
    ("Upsample(scale_factor=2)", (4, 7, 9), (4, 14, 18), 0, 0),
    ("Upsample(scale_factor=1.5)", (4, 7, 9), (4, 10, 13), 0, 0),
    ("Upsample(scale_factor=2.5)", (1, 3, 3), (1, 7, 7), 0, 0),
    ("Upsample(size=(5, 11))", (4, 7, 9), (4, 5, 11), 0, 0),
    ("Upsample(scale_factor=(2, 3), mode='bilinear')", (2, 4, 5), (2, 8, 15), 0, 0),
    ("ZeroPad2d(2)", (3, 5, 6), (3, 9, 10), 0, 0),
    ("ZeroPad2d((1, 2, 3, 4))", (3, 5, 6), (3, 12, 9), 0, 0),  # (left, right, top, bottom)
    ("ZeroPad2d((-1, 0, 2, 0))", (3, 5, 6), (3, 7, 5), 0, 0),  # negative padding crops
    ("ReflectionPad2d(2)", (3, 5, 6), (3, 9, 10), 0, 0),
    ("ConstantPad1d((2, 1), 3.5)", (3, 5), (3, 8), 0, 0),
    ("ReplicationPad3d(1)", (2, 3, 3, 3), (2, 5, 5, 5), 0, 0),
    ("InstanceNorm2d(3)", (3, 5, 6), (3, 5, 6), 0, 0),
    ("InstanceNorm2d(3, affine=True, track_running_stats=True)", (3, 5, 6), (3, 5, 6), 6, 7),
    ("PixelShuffle(2)", (8, 5, 6), (2, 10, 12), 0, 0),
    ("Unflatten(1, (2, 3))", (6,), (2, 3), 0, 0),
    ("Hardtanh(-2.0, 2.0)", (3, 4), (3, 4), 0, 0),
]


@pytest.mark.parametrize("layer,input_shape,output_shape,params,buffers", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(run, layer, input_shape, output_shape, params, buffers):
    report = run(layer, input_shape)
    assert report.ok, report.errors
    assert report.output_shape == output_shape
    assert (report.totals.params, report.totals.buffers) == (params, buffers)


def test_refusals(run):
    assert run("PReLU(3)", (4, 8, 8)).errors[0].message == "prelu: num_parameters=3 but the input has 4 channels"
    assert not run("ReflectionPad2d(5)", (3, 5, 6)).ok  # torch: padding must be smaller than the input
    assert not run("PixelShuffle(3)", (8, 5, 6)).ok
    assert run("Upsample()", (3, 4, 4)).errors[0].message == "upsample: give exactly one of size and scale_factor"
