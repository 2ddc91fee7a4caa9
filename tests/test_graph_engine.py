"""Graph shapes the engine once crashed on (found by the PyTorch-code reader's corpus): each analyses
cleanly, with the numbers torch gives (a chunk splits 4 channels into 2 + 2; an empty block passes its
input on)."""

from convcalc.build import from_data
from convcalc.report import analyze


def test_a_block_that_ends_with_a_chunk():
    report = analyze(from_data({"input": [4, 8, 8], "layers": [
        {"type": "sequential", "name": "s", "layers": [{"type": "chunk", "chunks": 2}]},
        {"type": "conv2d", "from": "s[1]", "out_channels": 2, "kernel_size": 1}]}))
    assert report.ok and report.output_shape == (2, 8, 8)
    block = next(r for r in report.layers if r.node == "s")
    assert block.output_shape == (2, 8, 8)  # its first piece, as the chunk's own row


def test_an_empty_block_after_a_block():
    report = analyze(from_data({"input": [4, 8, 8], "layers": [
        {"type": "sequential", "name": "a", "layers": ["relu"]}, {"type": "sequential", "name": "b", "layers": []},
        {"type": "conv2d", "out_channels": 4, "kernel_size": 1}]}))
    assert report.ok and report.output_shape == (4, 8, 8)
    assert [r.node for r in report.layers] == ["a", "a.0", "b", "2"]


def test_an_empty_block_after_a_layer_that_fails():
    report = analyze(from_data({"input": [3, 8, 8], "layers": [
        {"type": "conv2d", "in_channels": 4, "out_channels": 4, "kernel_size": 1},
        {"type": "sequential", "name": "b", "layers": []}]}))
    assert not report.ok
    assert report.errors[0].line == "layers[0] conv2d: in_channels=4 but the previous layer gives 3 channels"
