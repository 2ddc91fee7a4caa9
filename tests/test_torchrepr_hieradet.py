"""timm's HieraDet (SAM2's Hiera) and EfficientViM read from print(model): MACs against torch on small instances
(HieraDet's windows padded; EfficientViM's odd maps, distilled and Identity heads).

tests/data/timm_blocks_hieradet.json.xz was written by ``tools/timm_blocks_reference.py --group hieradet`` (torch
2.14.1, timm 1.0.31), MACs counted as tools/repr_reference.py counts them (conv and Linear hooks); the windows, the
global blocks and the position embedding's grid are not printed and are stated as a user would (``--assume``).
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.readers import torchrepr as T

DATA = Path(__file__).parent / "data" / "timm_blocks_hieradet.json.xz"


def cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


@pytest.mark.parametrize("case", range(len(cases())))
def test_hieradet_and_efficientvim_read_back_to_torchs_macs(case):
    """HieraDet: qkv on the windows padded to a multiple of the window (a window larger than the map too), proj on
    the pooled padded windows, the MLP on the cropped map. EfficientViM: HSM-SSD's Conv1d's on the tokens and on the
    state_dim columns of h, the heads on each stage's h. Torch's MACs, parameters and output."""
    c = cases()[case]
    report = analyze(T.read_network(c["text"], "<test>", input_shape=tuple(c["input"]), assume=c.get("assume")))
    assert report.ok, [d.line for d in report.errors]
    assert (report.totals.params, report.totals.buffers, report.totals.macs) == (c["params"], c["buffers"],
                                                                                  c["macs"])
    assert list(report.output_shape) == c["output"]


def _refusal(text: str, shape: tuple, assume: dict) -> str:
    with pytest.raises(T.Refused) as info:
        analyze(T.read_network(text, "<test>", input_shape=shape, assume=assume))
    return str(info.value)


def test_a_map_the_window_embedding_does_not_tile_is_refused():
    """pos_embed_window (window_spec[0]²) is tiled over the map: torch fails where the map is not a multiple."""
    c = cases()[0]
    assert "pos_embed_window" in _refusal(c["text"], (3, 72, 72), c["assume"])


def test_a_global_block_that_pools_is_refused_as_timms_forward_fails_on_it():
    """timm divides by window // q_stride = 0 in a global block that pools (ZeroDivisionError in torch)."""
    c = cases()[0]  # blocks 1, 3 and 6 pool
    assert "window 0" in _refusal(c["text"], tuple(c["input"]), {**c["assume"], "global_att_blocks": "3"})


def test_the_windows_follow_timms_lagging_stage_rule():
    """Block i has the window of block i − 1's stage: with the defaults the first case's MACs differ (a 14 window
    on a 4 × 4 map pads it), and the note says what was assumed."""
    c = cases()[0]
    reading = T.read(c["text"], "<t>")
    assert any("window_spec='8/4/14/7'" in note for _, note in reading.notes)
    stated = analyze(T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]), assume=c["assume"]))
    wrong = analyze(T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]),
                                   assume={**c["assume"], "window_spec": "8/4/4/7"}))
    assert stated.totals.macs == c["macs"] and wrong.totals.macs != c["macs"]


def test_blocks_numbered_out_of_order_are_refused_as_their_windows_are_not_known():
    """timm gives block i its window by i; a text whose blocks are not numbered 0, 1, 2, … in order (an edited
    print: the fuzzer's find, which crashed with IndexError) cannot say which block was built where."""
    c = cases()[0]
    text = c["text"].replace("(2): MultiScaleBlock(", "(99): MultiScaleBlock(", 1)
    assert text != c["text"]
    assert "not numbered 0, 1, 2, … in order (block 99 is block 2 of" in _refusal(text, tuple(c["input"]), c["assume"])
