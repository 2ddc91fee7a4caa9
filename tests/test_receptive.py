"""Receptive field, jump and start: the recurrence, published VGG-16 numbers, and branches."""

from fractions import Fraction

from convcalc import receptive
from convcalc.layers import Window

VGG16 = ", ".join([
    "conv2d(64, 3, padding=1), relu, conv2d(64, 3, padding=1), relu, maxpool2d(2, 2)",
    "conv2d(128, 3, padding=1), relu, conv2d(128, 3, padding=1), relu, maxpool2d(2, 2)",
    "conv2d(256, 3, padding=1), relu, conv2d(256, 3, padding=1), relu, conv2d(256, 3, padding=1), relu, maxpool2d(2, 2)",
    "conv2d(512, 3, padding=1), relu, conv2d(512, 3, padding=1), relu, conv2d(512, 3, padding=1), relu, maxpool2d(2, 2)",
    "conv2d(512, 3, padding=1), relu, conv2d(512, 3, padding=1), relu, conv2d(512, 3, padding=1), relu, maxpool2d(2, 2)",
])


def test_vgg16_pool_receptive_fields_match_the_published_table(run):
    # google-research/receptive_field: vgg_16 pool1..pool5 = 6, 16, 44, 100, 212; effective stride 32,
    # effective padding 90 (so the first centre sits at (212 - 1)/2 - 90 = 15.5)
    report = run(VGG16, (3, 224, 224))
    pools = [r for r in report.layers if r.type == "maxpool2d"]
    assert [r.receptive_field for r in pools] == [(6, 6), (16, 16), (44, 44), (100, 100), (212, 212)]
    assert pools[-1].jump == (32, 32)
    assert pools[-1].start == (Fraction(31, 2), Fraction(31, 2))


def test_the_recurrence_step_by_step():
    fields = receptive.initial(1)
    fields = receptive.through_window(fields, Window((3,), (2,), (1,), (1,)))
    assert fields[0] == receptive.Field(3, 2, Fraction(0))
    fields = receptive.through_window(fields, Window((3,), (1,), (0,), (2,)))  # dilated 3 -> extent 5
    assert fields[0] == receptive.Field(3 + 4 * 2, 2, Fraction(4))


def test_per_dim_fields_are_tracked_separately(run):
    row = run("conv2d(4, (5, 3), stride=(2, 1))", (1, 16, 16)).layers[0]
    assert row.receptive_field == (5, 3)
    assert row.jump == (2, 1)


def test_concat_takes_the_largest_branch_and_reports_each(run):
    report = run("concat([conv2d(4, 1)], [conv2d(4, 3, padding=1)], [conv2d(4, 5, padding=2)], "
                 "[maxpool2d(3, 1, 1), conv2d(4, 1)])", (8, 16, 16))
    block = report.layers[0]
    assert block.type == "concat"
    assert block.output_shape == (16, 16, 16)
    assert block.receptive_field == (5, 5)
    assert block.branch_receptive_fields == ((1, 1), (3, 3), (5, 5), (3, 3))
    assert [r.path for r in report.layers[1:]] == [
        "layers[0].branches[0][0]", "layers[0].branches[1][0]", "layers[0].branches[2][0]",
        "layers[0].branches[3][0]", "layers[0].branches[3][1]"]


def test_residual_add_with_identity_shortcut(run):
    report = run("conv2d(8, 3, padding=1), add([conv2d(8, 3, padding=1), relu, conv2d(8, 3, padding=1)])", (8, 16, 16))
    block = report.layers[1]
    assert block.output_shape == (8, 16, 16)
    assert block.receptive_field == (7, 7)  # 3 -> +2 -> +2 along the long path
    assert block.branch_receptive_fields == ((7, 7), (3, 3))
    assert block.params == 2 * (8 * 8 * 9 + 8)


def test_branches_with_different_jumps_are_flagged(run):
    # both branches give 4x4, one by stride 2 (jump 2), one by a 5x5 valid conv (jump 1)
    report = run("concat([conv2d(4, 3, stride=2, padding=1)], [conv2d(4, 5)])", (4, 8, 8))
    assert report.ok
    assert report.layers[0].branch_receptive_fields == ((3, 3), (5, 5))
    assert [d.path for d in report.warnings if d.code == "receptive-field"] == ["layers[0]"]


def test_aligned_branches_are_not_flagged(run):
    report = run("add([conv2d(4, 3, padding=1), maxpool2d(2, 2)], [conv2d(4, 1, stride=2)])", (4, 8, 8))
    assert report.ok
    assert report.layers[0].branch_receptive_fields == ((4, 4), (1, 1))
    assert not any(d.code == "receptive-field" for d in report.warnings)


def test_unknown_receptive_field_is_none_not_a_guess(run):
    report = run("convtranspose2d(4, 3, stride=2), conv2d(4, 3)", (4, 8, 8))
    assert report.layers[0].receptive_field is None
    assert report.layers[1].receptive_field is None
    assert any(d.code == "receptive-field" for d in report.warnings)


def test_global_average_pool_sees_the_whole_input(run):
    report = run("conv2d(4, 3, padding=1), adaptiveavgpool2d(1)", (3, 8, 8))
    assert report.layers[1].receptive_field == (3 + 7, 3 + 7)


def test_catalog_receptive_fields_match_the_published_table():
    # google-research/receptive_field (TF-Slim): inception_v3 Mixed_7c 1311 / stride 32 / effective padding 618,
    # i.e. the first centre at (1311 - 1)/2 - 618 = 37; alexnet_v2 195 / 32 (its padding differs from torchvision's)
    from convcalc import analyze, catalog

    inception = {r.name: r for r in analyze(catalog.load("inception_v3")).layers if r.depth == 0}
    assert inception["Mixed_7c"].receptive_field == (1311, 1311)
    assert inception["Mixed_7c"].jump == (32, 32)
    assert inception["Mixed_7c"].start == (37, 37)
    features = next(r for r in analyze(catalog.load("alexnet")).layers if r.name == "features")
    assert (features.receptive_field, features.jump) == ((195, 195), (32, 32))


def test_a_pad_and_a_pool_on_more_dims_keep_the_ones_in_front(run):
    """ZeroPad2d and AdaptiveAvgPool2d(1) on a C×D×H×W tensor (torch pads and averages the last two dims of any
    rank): D's field passes through (size 1, jump 1, start 0); H and W see the padded input whole."""
    rows = run("zeropad2d(1), adaptiveavgpool2d(1)", (2, 3, 4, 5)).layers
    assert [r.output_shape for r in rows] == [(2, 3, 6, 7), (2, 3, 1, 1)]
    assert (rows[0].receptive_field, rows[0].jump, rows[0].start) == ((1, 1, 1), (1, 1, 1), (0, -1, -1))
    assert (rows[1].receptive_field, rows[1].jump, rows[1].start) == ((1, 6, 7), (1, 6, 7), (0, Fraction(3, 2), 2))
