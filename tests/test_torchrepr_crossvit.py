"""timm's CrossVit and TNT read from print(model): MACs as torch's hooks count them (the shared timm-blocks test checks
parameters, buffers and output only), CrossVit refused until each branch's image size is stated, TNT's folded conv.

The cases are tests/data/timm_blocks_crossvit.json.xz (tools/timm_blocks_reference.py --group crossvit)."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from convcalc.errors import SpecError
from convcalc.readers import torchrepr as T
from convcalc.report import analyze

DATA = Path(__file__).parent / "data" / "timm_blocks_crossvit.json.xz"


def _cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


@pytest.mark.parametrize("i", range(len(_cases())), ids=[f"{c['class']}-{i}" for i, c in enumerate(_cases())])
def test_macs_match_torchs_hooks(i):
    c = _cases()[i]
    report = analyze(T.read_network(c["text"], "<test>", input_shape=tuple(c["input"]), assume=c.get("assume")))
    assert report.ok
    assert (report.totals.params, report.totals.macs, list(report.output_shape)) == (c["params"], c["macs"],
                                                                                    c["output"])


def _first(cls: str) -> dict:
    return next(c for c in _cases() if c["class"] == cls)


def test_crossvit_is_refused_until_each_branchs_image_size_is_stated():
    c = _first("CrossVit")
    with pytest.raises(T.Refused, match="img_size_scaled"):
        T.read_network(c["text"], "<test>", input_shape=tuple(c["input"]))
    with pytest.raises(SpecError, match="branches"):
        T.read_network(c["text"], "<test>", input_shape=tuple(c["input"]), assume={"img_size_scaled": "48/32/16"})


def test_tnt_runs_its_pixel_conv_on_every_patch_and_refuses_another_image_size():
    c = _first("TNT")
    net = T.read_network(c["text"], "<test>", input_shape=tuple(c["input"]), assume=c.get("assume"))
    report = analyze(net)
    row = next(r for r in report.layers if r.name == "pixel_embed_proj")
    assert tuple(row.output_shape) == (16, 8, 2, 2)  # 4 × 4 patches of 8 × 8 pixels, stride 4
    with pytest.raises(SpecError):
        analyze(T.read_network(c["text"], "<test>", input_shape=(3, 48, 48), assume=c.get("assume")))
