"""print(model) of timm's EfficientViT (MIT, MSRA), LowFormer and SwiftFormer, read back.

The small instances are recorded in tests/data/timm_blocks_effvit.json.xz (tools/timm_blocks_reference.py --group
effvit) and checked against torch by tests/test_torchrepr_timm.py; these tests check what that cannot: the recorded
full-size models, and what convcalc assumes where print(model) does not show a constructor argument.
"""

from __future__ import annotations

import pytest

from convcalc.readers import torchrepr as T
from convcalc.report import analyze
from tests.test_torchrepr_timm import cases

RECORDED = ("efficientvit_b0", "efficientvit_l3", "efficientvit_m0", "efficientvit_m5", "lowformer_b0",
            "lowformer_e3", "swiftformer_l1", "swiftformer_xs")


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_models_are_exact(name):
    from tests.test_torchrepr_reference import judge, reference

    model = next(m for m in reference()["models"] if m["name"] == name)
    assert judge(model) == ("exact", "")


def test_msra_window_is_assumed_cut_to_the_map_and_sizes_the_attention_biases():
    """EfficientViT-M's window_size is not printed (timm's default 7, assumed and said): cut to the feature map where
    that is smaller, it sizes each attention's heads × window² biases and window⁴ index. The recorded case has maps
    of 10 × 10 (window 7, padded to 14 × 14), 5 × 5 and 3 × 3, two heads each; a stated window of 5 changes only the
    first: 2 × (49 − 25) parameters and 49² − 25² buffers fewer."""
    case = next(c for c in cases() if c["class"] == "EfficientVitMsra")
    reading = T.read(case["text"], "<t>")
    assert any("window_size=7" in note for _, note in reading.notes)
    shape = tuple(case["input"])
    report = analyze(T.read_network(case["text"], "<t>", input_shape=shape))
    assert (report.totals.params, report.totals.buffers) == (case["params"], case["buffers"])
    stated = analyze(T.read_network(case["text"], "<t>", input_shape=shape, assume={"window_size": "5"}))
    assert stated.totals.params == case["params"] - 2 * (49 - 25)
    assert stated.totals.buffers == case["buffers"] - (49 * 49 - 25 * 25)


def test_swiftformer_pool_is_assumed_and_its_embedding_is_read_as_a_block_only_there():
    """SwiftFormer's global_pool is not printed (timm's default 'avg', said in a note). Its patch embedding is a class
    named ``Embedding`` printed with children: read as conv then norm inside a SwiftFormer; torch's Embedding stays a
    leaf convcalc refuses (it reads indices)."""
    case = next(c for c in cases() if c["class"] == "SwiftFormer")
    reading = T.read(case["text"], "<t>")
    assert any("global_pool='avg'" in note for _, note in reading.notes)
    embedding = T.parse("Sequential(\n  (0): Embedding(\n    (proj): Conv2d(3, 8, kernel_size=(3, 3))\n"
                        "    (norm): BatchNorm2d(8)\n  )\n)")
    assert T.entry(embedding.children[0]) is None  # outside a SwiftFormer: a class convcalc does not know
    with pytest.raises(T.Refused, match="indices"):
        T.read_network("Sequential(\n  (0): Embedding(10, 4)\n)", "<t>", input_shape=(3, 8, 8))
