"""torchvision's MaxViT read from print(model): input_size, partition_size and head_dim are not printed (assumed
as torchvision's maxvit_t builds them: 224, 7, 32, and said); a model runs at the input size it was built for only.
The cases are recorded by ``tools/timm_blocks_reference.py --group maxvit`` (tests/data/timm_blocks_maxvit.json.xz)."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.readers import torchrepr as T

DATA = Path(__file__).parent / "data" / "timm_blocks_maxvit.json.xz"


def _cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


def test_maxvit_at_torchvisions_defaults_reads_exactly_and_says_what_it_assumed():
    case = next(c for c in _cases() if not c.get("assume"))
    report = analyze(T.read_network(case["text"], "<t>", input_shape=tuple(case["input"])))
    assert report.ok, [d.line for d in report.errors]
    assert (report.totals.params, report.totals.buffers) == (case["params"], case["buffers"])
    assert list(report.output_shape) == case["output"]
    said = " ".join(d.line for d in report.warnings)
    assert "input_size=224" in said and "partition_size=7" in said and "head_dim=32" in said
    assert "ModuleList has no forward()" not in said  # MaxVit and MaxVitBlock loop over their ModuleLists


def test_maxvit_partition_layers_show_torchs_token_shapes():
    """WindowPartition's B, G, P², C as torch computes it: a window partition, P = partition_size; a grid partition,
    P = H // partition_size, its axes swapped (partition_size² tokens a group); departitioned back to C × H × W."""
    case = next(c for c in _cases() if c.get("assume", {}).get("partition_size") == "2")
    report = analyze(T.read_network(case["text"], "<t>", input_shape=tuple(case["input"]), assume=case["assume"]))
    rows = {r["node"]: tuple(r["output_shape"]) for r in report.row_dicts()}
    layer = "blocks.0.layers.0.layers"  # the first block's map: 8 x 16 x 16 (input 64, stem /2, block /2)
    assert rows[f"{layer}.window_attention.partition_tokens"] == (64, 4, 8)  # 8 x 8 windows of 2 x 2
    assert rows[f"{layer}.grid_attention.partition_tokens"] == (4, 64, 8)  # P = 8: 2 x 2 groups of 8 x 8
    assert rows[f"{layer}.grid_attention.partition_swap"] == (64, 4, 8)
    assert rows[f"{layer}.grid_attention.departition"] == (8, 16, 16)


def test_maxvit_refuses_an_input_size_it_was_not_built_for():
    case = next(c for c in _cases() if c.get("assume", {}).get("input_size") == "96")
    with pytest.raises(T.ShapesUnknown, match="MaxVit.*not 96 x 96"):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, 64, 64), assume=case["assume"]))
    # the size it was built for, unstated: torchvision's 224 assumed, and the 96 x 96 input refused
    with pytest.raises(T.ShapesUnknown, match="MaxVit.*not 224 x 224"):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, 96, 96),
                               assume={k: v for k, v in case["assume"].items() if k != "input_size"}))
