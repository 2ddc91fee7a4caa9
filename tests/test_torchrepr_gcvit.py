"""timm's GCViT read from print(model): its windows and heads are not printed (stated with --assume, one per stage);
an input the model was not built for, or a statement that does not fit the printed tree, is refused, never guessed.

tests/data/timm_blocks_gcvit.json.xz was written by tools/timm_blocks_reference.py --group gcvit (torch 2.14.1,
timm 1.0.31); tests/test_torchrepr_timm.py checks every case against torch, these check the refusals.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.readers import torchrepr as T

DATA = Path(__file__).parent / "data" / "timm_blocks_gcvit.json.xz"


def _case(index: int = 0) -> dict:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"][index]


def test_gcvit_without_its_windows_and_heads_is_refused_naming_the_attention():
    case = _case()
    with pytest.raises(T.Refused) as exc:
        T.checked_network(T.read(case["text"], "<t>"), "<t>", input_shape=tuple(case["input"]))
    assert exc.value.cls == "WindowAttentionGlobal"
    assert "window_size=N/N/N/N,num_heads=N/N/N/N" in str(exc.value)


def test_gcvit_stated_reads_at_the_size_it_was_built_for():
    case = _case()
    analyze(T.read_network(case["text"], "<t>", input_shape=tuple(case["input"]), assume=case["assume"]))


@pytest.mark.parametrize("size", [256, 448])
def test_gcvit_refuses_an_input_it_was_not_built_for(size):
    """timm's forward() needs the map to divide into windows and the global query to have window² positions."""
    case = _case()
    with pytest.raises(T.ShapesUnknown):
        analyze(T.read_network(case["text"], "<t>", input_shape=(3, size, size), assume=case["assume"]))


def test_gcvit_refuses_a_window_or_heads_that_do_not_fit():
    case = _case()
    for assume in ({**case["assume"], "window_size": "7"},  # stage 2's global query has 14 × 14 positions
                   {**case["assume"], "num_heads": "3"}):  # 3 does not divide the widths
        with pytest.raises((T.ShapesUnknown, T.Refused)):
            analyze(T.read_network(case["text"], "<t>", input_shape=tuple(case["input"]), assume=assume))
