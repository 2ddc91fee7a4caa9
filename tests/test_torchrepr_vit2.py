"""timm's VOLO, NesT, DaViT, FocalNet and CoaT read from print(model) (the ``vit2`` group of
tests/data/timm_blocks_vit2.json.xz): their MACs, what is assumed, and CoaT's shared modules."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from convcalc.errors import SpecError
from convcalc.readers import torchrepr as T
from convcalc.report import analyze

DATA = Path(__file__).parent / "data" / "timm_blocks_vit2.json.xz"

#: torch's MACs for the recorded cases, in order: tools/repr_reference.py's MacCounter (the reference's convention:
#: Conv and Linear modules, at every call) run on tools/timm_blocks_reference.py's vit2_cases() in timm 1.0.31
TORCH_MACS = [1462656, 1567600, 6117584, 7079952, 1474880, 1278272, 110049232, 86861056, 5109792, 2663664]


def cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


def read(case: dict, assume: dict | None = None, shape: tuple | None = None):
    return T.read_network(case["text"], "<t>", input_shape=shape or tuple(case["input"]),
                          assume=case.get("assume") if assume is None else assume)


@pytest.mark.parametrize("i", range(len(TORCH_MACS)))
def test_the_macs_are_torchs(i):
    case = cases()[i]
    report = analyze(read(case))
    assert report.ok and report.totals.macs == TORCH_MACS[i], (case["class"], case["input"])


def test_davit_window_size_is_assumed_and_said_and_stated_where_it_differs():
    """DaViT's window_size is not printed: timm's default 7 assumed (a note says so); a model built with 12 is read
    exactly with --assume window_size=12, and with 7 its windows pad differently (other MACs, never silently)."""
    seven, twelve = (c for c in cases() if c["class"] == "DaVit")
    reading = T.read(seven["text"], "<t>")
    assert any("window_size=7" in note for _, note in reading.notes)
    assumed = analyze(read(twelve, assume={}))
    assert assumed.ok and assumed.totals.macs != TORCH_MACS[3]
    assert any("window_size" in note for _, note in T.read(twelve["text"], "<t>").notes)


def test_coat_counts_its_shared_modules_once():
    """CoaT prints cpe1-4 and crpe1-4 in the model and again in every block, and ParallelBlock's mlp2 as mlp3 and
    mlp4 too: leaf by leaf they are counted once, as torch counts them, and nothing is refused as shared."""
    for case in (c for c in cases() if c["class"] == "CoaT"):
        counts = T.count(T.parse(case["text"]))
        assert not counts.shared and (counts.params, counts.buffers) == (case["params"], case["buffers"])
    parallel = next(c for c in cases() if c["class"] == "CoaT" and "ParallelBlock(" in c["text"])
    assert "(mlp3): Mlp(" in parallel["text"] and "(mlp4): Mlp(" in parallel["text"]  # printed, counted with mlp2


def test_a_coat_block_alone_is_refused_by_name():
    """CoaT's blocks read the grid size CoaT's forward() passes them: outside the model they are not read."""
    case = next(c for c in cases() if c["class"] == "CoaT")
    lines = case["text"].splitlines()
    start = next(i for i, line in enumerate(lines) if "(serial_blocks1): ModuleList(" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "  )")
    text = "\n".join(line[2:] for line in lines[start:end + 1]).replace("(serial_blocks1): ", "", 1)
    with pytest.raises(SpecError):
        analyze(T.read_network(text, "<t>", input_shape=(17, 16, 16)))


def test_volo_and_nest_position_embeddings_follow_the_map_they_meet():
    """VOLO's and NesT's position embeddings are not printed: sized by the map they are added to (the image size the
    model was built for: the reference's), so the totals are torch's at the recorded size."""
    for case in (c for c in cases() if c["class"] in ("VOLO", "Nest")):
        report = analyze(read(case))
        assert (report.totals.params, report.totals.buffers) == (case["params"], case["buffers"])
