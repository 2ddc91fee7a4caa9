"""print(model) of timm's MobileNetV4 hybrids, MobileNetV5, CPUBone, NASNet-A and PNASNet: what the recorded block cases
(tests/data/timm_blocks_mobile.json.xz, tools/timm_blocks_reference.py --group mobile) do not check by themselves.

The MACs below are torch's, counted by tools/repr_reference.py's hooks on the same instances (timm 1.0.31,
torch 2.14.1): conv weights × output positions, Linear likewise; attention's q·kᵀ and weighted sum not counted.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.readers import torchrepr as T

DATA = Path(__file__).parent / "data" / "timm_blocks_mobile.json.xz"

#: (class, input) → torch's MACs, in the order of the recorded cases
MACS = [("MobileAttention", [32, 9, 9], 110144), ("MobileAttention", [32, 8, 8], 92160),
        ("MobileAttention", [16, 7, 7], 43904), ("MobileNetV5", [3, 64, 64], 2236416),
        ("MobileNetV5", [3, 96, 96], 5031136), ("MobileNetV5", [3, 80, 80], 4941472),
        ("CPUBone", [3, 64, 64], 2180528), ("CPUBone", [3, 64, 64], 2242480), ("CPUBone", [3, 96, 96], 4006512),
        ("NASNetALarge", [3, 67, 67], 5258066), ("PNASNet5Large", [3, 96, 96], 1985806368)]


def cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


@pytest.mark.parametrize("k", range(len(MACS)), ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MACS)])
def test_macs_are_torchs(k):
    case = cases()[k]
    cls, shape, macs = MACS[k]
    assert (case["class"], case["input"]) == (cls, shape)
    report = analyze(T.read_network(case["text"], "<t>", input_shape=tuple(shape), assume=case.get("assume")))
    assert report.totals.macs == macs


def test_mobilenetv5_msfa_indices_are_assumed_and_checked_against_msfa():
    """msfa_indices is not printed: timm's default (-2, -1) is assumed and said; a model built with other levels reads
    other channels, and is refused (with the way to state them), never read with the wrong levels."""
    case = next(c for c in cases() if c["class"] == "MobileNetV5" and c.get("assume", {}).get("msfa_indices"))
    with pytest.raises(T.Refused, match="msfa_indices=-2/-1"):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, 80, 80)))
    reading = T.read(case["text"], "<t>", assume=case["assume"])
    assert any("msfa_indices='-3/-1'" in note for _, note in reading.notes)


def test_cpubone_small_kernel_attention_refuses_a_map_timm_would_pad():
    """With 2 × 2 kernels timm pads the strided attention's input to an even size: not modelled, so refused there."""
    case = cases()[7]
    assert case["class"] == "CPUBone" and "kernel_size=(2, 2), stride=(2, 2)" in case["text"]
    with pytest.raises(T.ShapesUnknown, match="multiple of 2"):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, 80, 80)))


def test_a_nasnet_cell_outside_its_model_is_refused():
    """A NASNet cell reads two tensors: only its model's forward gives them."""
    case = next(c for c in cases() if c["class"] == "NASNetALarge")
    cell = case["text"].split("(cell_1): ", 1)[1].split("\n  (cell_2)", 1)[0]
    with pytest.raises(T.Refused):
        analyze(T.read_network(cell, "<t>", input_shape=(64, 8, 8)))
