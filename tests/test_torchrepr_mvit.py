"""timm's MViTv2 (MultiScaleVit) read from print(model): MACs (the pool convs once a head), the relative position
tables sized for the image size it was built for, and the refusals where convcalc cannot know the numbers.

The MACs below were measured with tools/repr_reference.py's hooks (MacCounter) in a scratch venv with timm 1.0.31 /
torch 2.14.1, on the cases of tests/data/timm_blocks_mvit.json.xz (tools/timm_blocks_reference.py --group mvit) and on
timm's mvitv2_tiny built with img_size=256.
"""

from __future__ import annotations

import json
import lzma
from functools import cache
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.errors import SpecError
from convcalc.readers import torchrepr as T

DATA = Path(__file__).parent / "data"

#: torch's MACs (the reference's convention) of the timm_blocks_mvit cases, in order
MACS = [5_767_424, 8_533_760, 3_249_280, 1_717_120]


@cache
def cases() -> list[dict]:
    with lzma.open(DATA / "timm_blocks_mvit.json.xz", "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


@cache
def tiny_text() -> str:
    with lzma.open(DATA / "repr_reference.json.xz", "rt", encoding="utf-8") as f:
        return next(m["text"] for m in json.load(f)["models"] if m["name"] == "mvitv2_tiny")


@pytest.mark.parametrize("i", range(len(MACS)))
def test_a_small_mvit_reads_back_to_torchs_macs_too(i):
    c = cases()[i]
    report = analyze(T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]), assume=c.get("assume")))
    assert report.ok, [d.line for d in report.errors]
    assert (report.totals.params, report.totals.buffers, report.totals.macs) == (c["params"], c["buffers"], MACS[i])
    assert list(report.output_shape) == c["output"]


def test_mvitv2_tiny_built_for_256_is_read_with_its_img_size_stated():
    """print(model) does not show img_size: the tables are sized for the image size stated (timm's mvitv2_tiny built
    with img_size=256: 24,185,224 parameters, 5,190,481,920 MACs in torch)."""
    report = analyze(T.read_network(tiny_text(), "<t>", input_shape=(3, 256, 256), assume={"img_size": "256"}))
    assert report.ok, [d.line for d in report.errors]
    assert (report.totals.params, report.totals.buffers, report.totals.macs) == (24_185_224, 0, 5_190_481_920)
    assert list(report.output_shape) == [1000]


@pytest.mark.parametrize("shape, assume", [
    ((3, 256, 256), None),  # not the size it was built for (224 assumed): its tables would be another size
    ((3, 200, 200), {"img_size": "200"}),  # 50 → 25 → 13: a map that does not divide by the pool's stride
    ((3, 224, 224), {"use_cls_token": "true"}),  # a class token: not modelled
])
def test_what_convcalc_cannot_know_is_refused_not_guessed(shape, assume):
    with pytest.raises(SpecError):
        report = analyze(T.read_network(tiny_text(), "<t>", input_shape=shape, assume=assume))
        assert not report.ok  # pragma: no cover - read_network raises
