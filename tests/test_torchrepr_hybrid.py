"""print(model) of timm's TinyViT, FastViT, EdgeNeXt, NextViT, EfficientFormerV2 and IFormer, read back.

The small instances are recorded in tests/data/timm_blocks_hybrid.json.xz (tools/timm_blocks_reference.py --group
hybrid) and checked against torch's parameters, buffers and output by tests/test_torchrepr_timm.py; these tests check
what that cannot: the recorded full-size models, the MACs of the small instances, and what convcalc assumes where
print(model) does not show a constructor argument.
"""

from __future__ import annotations

import pytest

from convcalc.readers import torchrepr as T
from convcalc.report import analyze
from tests.test_torchrepr_timm import cases

RECORDED = ("tiny_vit_11m_224", "tiny_vit_5m_224", "fastvit_ma36", "fastvit_t8", "edgenext_base", "edgenext_xx_small",
            "nextvit_base", "nextvit_small", "efficientformerv2_l", "efficientformerv2_s2", "iformer_h", "iformer_t")

#: torch's MACs for the recorded small instances (tools/repr_reference.py's MacCounter, torch 2.14.1, timm 1.0.31), by
#: class and input: TinyViT's 13 × 13, 7 × 7 and 4 × 4 maps padded for its windows, FastViT with its SE downsamples
#: and a conditional position encoding, EdgeNeXt's uneven channel chunks, NextViT's pooled keys, EfficientFormerV2's
#: talking heads on the attention map, IFormer's layer scales and a windowed SHMA (10 × 10 padded to 12 × 12)
MACS = {("TinyVit", (3, 100, 100)): 13094896, ("FastVit", (3, 70, 70)): 1841856,
        ("EdgeNeXt", (3, 70, 70)): 1071720, ("EdgeNeXt", (3, 64, 64)): 1779616,
        ("NextViT", (3, 75, 75)): 328359008, ("EfficientFormerV2", (3, 64, 64)): 3288736,
        ("EfficientFormerV2", (3, 96, 96)): 5082224, ("IFormer", (3, 75, 75)): 2489504,
        ("SHMA", (16, 10, 10)): 147456}


def _case(cls: str, shape: tuple) -> dict:
    return next(c for c in cases() if c["class"] == cls and tuple(c["input"]) == shape)


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_models_are_exact(name):
    from tests.test_torchrepr_reference import judge, reference, stated

    model = next(m for m in reference()["models"] if m["name"] == name)
    assert judge(model, stated().get(name)) == ("exact", "")


@pytest.mark.parametrize("key", sorted(MACS), ids=[f"{c}-{'x'.join(map(str, s))}" for c, s in sorted(MACS)])
def test_small_instances_read_back_to_torchs_macs(key):
    case = _case(*key)
    report = analyze(T.read_network(case["text"], "<t>", input_shape=key[1], assume=case.get("assume")))
    assert report.ok
    assert (report.totals.params, report.totals.buffers, report.totals.macs) == (
        case["params"], case["buffers"], MACS[key])


def test_efficientformer_v2_runs_at_the_image_size_it_was_built_for_only():
    """Its attention biases are sized for img_size (not printed: timm's default 224, assumed and said); at another
    input torch's forward fails, and convcalc refuses naming the class."""
    case = _case("EfficientFormerV2", (3, 64, 64))
    reading = T.read(case["text"], "<t>")
    assert any("img_size=224" in note for _, note in reading.notes)
    with pytest.raises(T.ShapesUnknown, match="img_size"):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, 64, 64)))
    with pytest.raises(T.ShapesUnknown, match="EfficientFormerV2"):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, 96, 96), assume={"img_size": "64"}))


def test_edgenext_heads_are_assumed_and_size_the_temperature():
    """CrossCovarianceAttn's heads are not printed (timm's default 8, assumed and said): one temperature parameter a
    head. The recorded case has two heads in each of its three attention stages."""
    case = _case("EdgeNeXt", (3, 70, 70))
    reading = T.read(case["text"], "<t>")
    assert any("num_heads=8" in note for _, note in reading.notes)
    assumed = analyze(T.read_network(case["text"], "<t>", input_shape=(3, 70, 70)))
    assert assumed.totals.params == case["params"] + 3 * (8 - 2)


def test_tiny_vit_stage_prints_its_arguments_and_holds_no_parameter_of_its_own():
    """TinyVitStage and TinyVitBlock print extra_repr lines (dim, depth; heads, window_size): the stage holds nothing
    of its own, the block's attention its heads × window² biases and window⁴ index, read from the block's line."""
    case = _case("TinyVit", (3, 100, 100))
    counts = T.count(T.parse(case["text"]))
    assert not counts.lower_bound and not counts.unknown
    assert (counts.params, counts.buffers) == (case["params"], case["buffers"])
    stages = [path for path, (cls, _, _) in counts.modules.items() if cls == "TinyVitStage"]
    assert not stages
    biases = {path: (p, b) for path, (cls, p, b) in counts.modules.items() if cls == "Attention"}
    assert biases["stages.2.blocks.0.attn"][1] == 14 ** 4  # window 14 (timm's third-stage default)
