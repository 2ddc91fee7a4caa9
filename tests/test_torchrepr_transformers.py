"""print(model) of transformer families read back (Swin, …): the vocabulary's classes against torch.

tests/data/transformer_blocks.json.xz was written by tools/transformer_blocks_reference.py (torch 2.14.1,
torchvision 0.29.1, timm 1.0.31 in a scratch venv; none is needed here): small instances at input sizes that are
no multiple of their windows, with torch's parameters, buffers, output shape and MACs, and the constructor
arguments print(model) does not show (``assume``). The recorded models of tests/data/repr_reference.json.xz give
the full models besides (tests/test_torchrepr_reference.py).
"""

from __future__ import annotations

import json
import lzma
import re
from functools import lru_cache
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.errors import SpecError
from convcalc.readers import torchrepr as T
from convcalc.readers import vocabulary as V

DATA = Path(__file__).parent / "data" / "transformer_blocks.json.xz"

#: the classes these cases stand for (each must be printed in at least one case)
CLASSES = ("SwinTransformer", "SwinTransformerBlock", "SwinTransformerBlockV2", "ShiftedWindowAttention",
           "ShiftedWindowAttentionV2", "PatchMerging", "PatchMergingV2", "SwinTransformerStage", "WindowAttention",
           "Beit", "SwinTransformerV2", "SwinTransformerV2Stage", "SwinTransformerV2Block", "SwinTransformerV2Cr",
           "SwinTransformerV2CrStage", "SwinTransformerV2CrBlock", "WindowMultiHeadAttention", "Cait", "LayerScaleBlock",
           "LayerScaleBlockClassAttn", "ClassAttn", "TalkingHeadAttn", "Visformer", "SpatialMlp",
           "PyramidVisionTransformerV2", "PyramidVisionTransformerStage", "OverlapPatchEmbed", "MlpWithDepthwiseConv",
           "Twins", "LocallyGroupedAttn", "GlobalSubSampleAttn", "PosConv", "Xcit", "ConvPatchEmbed",
           "PositionalEncodingFourier", "XCA", "XCABlock", "LPI", "ClassAttentionBlock")


@lru_cache(maxsize=1)
def cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


def _stated(case: dict) -> dict[str, str]:
    return {k: str(v) for k, v in case["assume"].items()}


def test_every_class_added_is_in_the_vocabulary_and_printed_in_a_case():
    printed = "\n".join(c["text"] for c in cases())
    for cls in CLASSES:
        assert cls in V.CLASSES and V.CLASSES[cls].get("kind") != "unsupported", cls
        assert f"{cls}(" in printed, cls


@pytest.mark.parametrize("case", range(len(cases())), ids=[f"{c['class']}-{i}" for i, c in enumerate(cases())])
def test_a_printed_transformer_reads_back_to_torchs_numbers_with_the_stated_arguments(case):
    c = cases()[case]
    reading = T.read(c["text"], "<test>", _stated(c))
    counts = reading.counts
    if counts.lower_bound:  # timm's Swin and BEiT: tables sized with the shapes (the window, the patch grid)
        assert all(w.endswith("(its size depends on the input)") for w in counts.why), counts.why
        assert counts.params <= c["params"] and counts.buffers <= c["buffers"]
    else:  # torchvision's: known before any shape
        assert (counts.params, counts.buffers) == (c["params"], c["buffers"])
    report = analyze(T.checked_network(reading, "<test>", input_shape=tuple(c["input"])))
    assert report.ok, [d.line for d in report.errors]
    assert (report.totals.params, report.totals.buffers) == (c["params"], c["buffers"])
    assert list(report.output_shape) == c["output"]
    assert report.totals.macs == c["macs"]  # qkv and proj on the padded windows


def _swin(case: int) -> bool:
    return cases()[case]["class"] in ("SwinTransformer", "SwinTransformerV2", "SwinTransformerV2Cr")


@pytest.mark.parametrize("case", [i for i in range(len(cases())) if _swin(i)],
                         ids=[f"{c['class']}-{i}" for i, c in enumerate(cases()) if _swin(i)])
def test_without_the_window_size_it_is_refused_saying_what_to_state_and_where_to_read_it(case):
    c = cases()[case]
    reading = T.read(c["text"], "<test>")
    assert reading.counts.lower_bound
    if "qkv_bias" not in c["assume"]:  # built with the library's default (q and v biases): never silently low
        assert reading.counts.params <= c["params"]
    with pytest.raises(T.Refused) as exc:
        T.checked_network(reading, "<test>", input_shape=tuple(c["input"]))
    message = str(exc.value)
    assert "--assume window_size=" in message and exc.value.cls in (
        "ShiftedWindowAttention", "ShiftedWindowAttentionV2", "WindowAttention", "WindowMultiHeadAttention")
    first = "model.features[1][0].attn" if "(features)" in c["text"] else "model.layers[0].blocks[0].attn"
    if c["class"] == "SwinTransformerV2Cr":
        first = "model.stages[0].blocks[0].attn"
    second = "model.features[3][0].attn" if "(features)" in c["text"] else "model.layers[1].blocks[0].attn"
    assert f"{first}.window_size" in exc.value.hint
    if "num_heads" in c["assume"]:
        assert "num_heads=" in message and f"{second}.num_heads" in exc.value.hint


def test_per_stage_values_must_match_the_stages():
    c = next(c for c in cases() if "num_heads" in c["assume"] and "/" in str(c["assume"]["num_heads"]))
    with pytest.raises(SpecError, match="2 values, but ShiftedWindowAttention is in 3 stages"):
        T.read(c["text"], "<test>", {"window_size": "7", "num_heads": "2/4"})
    with pytest.raises(SpecError, match="expected a whole number, or one per stage"):
        T.read(c["text"], "<test>", {"window_size": "7x7", "num_heads": "2"})


def test_swin_v2_prints_its_heads_so_only_the_window_is_stated():
    c = next(c for c in cases() if "ShiftedWindowAttentionV2(" in c["text"])
    with pytest.raises(SpecError, match="--assume num_heads: no class of this model reads it"):
        T.read(c["text"], "<test>", {"window_size": "8", "num_heads": "2"})


def test_timm_swin_v2_prints_its_heads_and_says_what_it_assumed():
    c = next(c for c in cases() if c["class"] == "SwinTransformerV2" and c["assume"].keys() == {"window_size"})
    with pytest.raises(SpecError, match="--assume num_heads: no class of this model reads it"):
        T.read(c["text"], "<test>", {"window_size": "7", "num_heads": "2"})
    notes = " ".join(n for _, n in T.read(c["text"], "<test>", _stated(c)).notes)
    for key in ("always_partition=false", "strict_img_size=true", "qkv_bias=true"):
        assert key in notes, key


def test_cait_read_with_timms_global_pool_says_so():
    c = next(c for c in cases() if c["class"] == "Cait" and c["assume"].get("global_pool") == "avg")
    reading = T.read(c["text"], "<test>")
    assert "global_pool='token'" in " ".join(n for _, n in reading.notes)
    report = analyze(T.checked_network(reading, "<test>", input_shape=tuple(c["input"])))
    assert (report.totals.params, list(report.output_shape)) == (c["params"], c["output"])  # pools keep the shape


def test_twins_without_its_window_size_is_refused_saying_where_to_read_it():
    c = next(c for c in cases() if c["class"] == "Twins" and "ws" in c["assume"])
    reading = T.read(c["text"], "<test>")
    assert (reading.counts.params, reading.counts.buffers) == (c["params"], c["buffers"])  # ws sizes no table
    with pytest.raises(T.Refused) as exc:
        T.checked_network(reading, "<test>", input_shape=tuple(c["input"]))
    assert "--assume ws=" in str(exc.value) and exc.value.cls == "LocallyGroupedAttn"
    assert "model.blocks[0][0].attn.ws" in exc.value.hint and "model.blocks[3][0].attn.ws" in exc.value.hint


def test_xcit_without_its_heads_is_a_lower_bound_refused_saying_where_to_read_them():
    c = next(c for c in cases() if c["class"] == "Xcit")
    reading = T.read(c["text"], "<test>")
    assert reading.counts.lower_bound and reading.counts.params < c["params"]  # the temperatures: never silently low
    with pytest.raises(T.Refused) as exc:
        T.checked_network(reading, "<test>", input_shape=tuple(c["input"]))
    assert "--assume num_heads=" in str(exc.value) and exc.value.cls == "XCA"
    assert "model.blocks[0].attn.num_heads" in exc.value.hint
    notes = " ".join(n for _, n in T.read(c["text"], "<test>", _stated(c)).notes)
    assert "global_pool='token'" in notes and "layer_scale=true" in notes


def test_beit_without_its_heads_is_refused_saying_where_to_read_them():
    for c in (c for c in cases() if c["class"] == "Beit"):
        reading = T.read(c["text"], "<test>")
        if c["assume"].keys() == {"num_heads"}:  # built as timm's BEiTs are: a lower bound until the grid is known
            assert reading.counts.lower_bound and reading.counts.params <= c["params"]
        with pytest.raises(T.Refused) as exc:
            T.checked_network(reading, "<test>", input_shape=tuple(c["input"]))
        assert "--assume num_heads=" in str(exc.value) and exc.value.cls == "Attention"
        assert "model.blocks[0].attn.num_heads" in exc.value.hint


def test_beit_read_with_timms_builds_says_what_it_assumed():
    c = next(c for c in cases() if c["class"] == "Beit" and c["assume"].get("use_abs_pos_emb"))
    # the second case was built otherwise: with only the heads stated, its numbers differ and the notes say why
    reading = T.read(c["text"], "<test>", {"num_heads": str(c["assume"]["num_heads"])})
    notes = " ".join(n for _, n in reading.notes)
    for key in ("use_abs_pos_emb=false", "use_rel_pos_bias=true", "global_pool='avg'", "layer_scale=true",
                "qkv_bias=true"):
        assert key in notes, key
    report = analyze(T.checked_network(reading, "<test>", input_shape=tuple(c["input"])))
    assert report.totals.params != c["params"]


@pytest.mark.parametrize("case", [i for i in range(len(cases()))
                                  if _swin(i) and "(blocks): Sequential" in cases()[i]["text"]])
def test_timm_swin_blocks_numbered_out_of_order_are_refused(case):
    """timm's Swin shifts the windows (and keeps a mask) in odd blocks by their index: blocks not numbered 0, 1,
    2, … in order (an edited print) cannot say which one was built where."""
    c = cases()[case]
    first = re.search(r"\(1\): (SwinTransformer\w*Block)\(", c["text"])
    text = c["text"].replace(first.group(0), f"(5): {first.group(1)}(", 1)
    with pytest.raises(T.Refused, match=r"not numbered 0, 1, 2, … in order \(block 5 is block 1 of 2\)"):
        analyze(T.checked_network(T.read(text, "<test>", _stated(c)), "<test>", input_shape=tuple(c["input"])))
