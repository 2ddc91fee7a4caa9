"""timm's Eva family and the ViT variants of the ``eva`` group read back (tests/data/timm_blocks_eva.json.xz, written
by ``tools/timm_blocks_reference.py --group eva``): what print(model) does not show is stated or refused by name."""

from __future__ import annotations

import json
import lzma
from functools import lru_cache
from pathlib import Path

import pytest

from convcalc import analyze
from convcalc.errors import SpecError
from convcalc.readers import torchrepr as T

DATA = Path(__file__).parent / "data" / "timm_blocks_eva.json.xz"


@lru_cache(maxsize=1)
def cases() -> list[dict]:
    with lzma.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


def case(cls: str, **has: str) -> dict:
    return next(c for c in cases() if c["class"] == cls and all(c["assume"].get(k) == v for k, v in has.items()))


def test_a_rotary_embedding_needs_its_head_dim_stated():
    """RotaryEmbeddingCat() prints no argument: its frequencies (dim / 4) and cached table (2·dim a patch) need the
    attention's head dim, which no default fits: refused naming the class, with where to read it."""
    c = case("Eva")
    assume = {k: v for k, v in c["assume"].items() if k != "dim"}
    with pytest.raises(T.Refused, match="RotaryEmbeddingCat.*dim") as exc:
        T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]), assume=assume or None)
    assert "model.rope.dim" in str(exc.value.hint)


def test_eva_rotary_table_is_sized_by_the_patch_grid_unless_dynamic():
    """Eva built for a fixed grid caches its rotary table (patches × 2·dim buffers); with dynamic_img_size none."""
    c = case("Eva", dim="16")
    report = analyze(T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]), assume=c["assume"]))
    assert report.totals.buffers == c["buffers"] == 16 // 4 + 16 * 2 * 16  # 4 × 4 patches
    dynamic = analyze(T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]),
                                     assume={**c["assume"], "dynamic_img_size": "true"}))
    assert dynamic.totals.buffers == 16 // 4


def test_qwen3_merger_refuses_a_grid_that_does_not_divide():
    """Qwen3's patch merger concatenates merge_size × merge_size patches; timm asserts the grid divides: an odd grid
    is refused as shapes unknown, never read."""
    c = case("Qwen3VitEncoder")
    with pytest.raises(T.ShapesUnknown, match="merge_size"):
        analyze(T.read_network(c["text"], "<t>", input_shape=(3, 48, 64), assume=c["assume"]))


def test_an_assumption_no_class_of_the_model_reads_is_an_error():
    c = case("DeepseekVitClassifier")
    with pytest.raises(SpecError, match="merge_size"):
        T.read(c["text"], "<t>", {**c["assume"], "merge_size": "2"})


def test_relpos_vit_reads_only_the_grid_its_tables_were_built_for():
    """RelPosMlp's bias is sized for window_size² patches (and the class token): another grid is refused as shapes
    unknown, never read with tables of the wrong size."""
    c = case("VisionTransformerRelPos", class_token="true")
    report = analyze(T.read_network(c["text"], "<t>", input_shape=(3, 64, 64), assume=c["assume"]))
    assert (report.totals.params, report.totals.buffers) == (c["params"], c["buffers"])
    with pytest.raises(T.ShapesUnknown, match="window_size"):
        analyze(T.read_network(c["text"], "<t>", input_shape=(3, 80, 80), assume=c["assume"]))


def test_sam_global_blocks_hold_relative_positions_of_the_built_grid():
    """Without global_attn_indexes every block is read as windowed (timm's default): the global block's relative
    positions are then sized by the window, not the 8 × 8 grid built, and the count differs from torch's."""
    c = case("VisionTransformerSAM")
    windowed = {k: v for k, v in c["assume"].items() if k != "global_attn_indexes"}
    report = analyze(T.read_network(c["text"], "<t>", input_shape=tuple(c["input"]), assume=windowed))
    head_dim = 16
    assert c["params"] - report.totals.params == 2 * ((2 * 8 - 1) - (2 * 3 - 1)) * head_dim


def test_gemma4_soft_pool_needs_whole_cells():
    """The soft-token pooler averages pooling_kernel_size × pooling_kernel_size cells of patches: an image that does
    not divide into them is refused (timm raises), never read."""
    c = case("Gemma4VitEncoder")
    with pytest.raises(T.ShapesUnknown, match="pooling_kernel_size"):
        analyze(T.read_network(c["text"], "<t>", input_shape=(3, 40, 32), assume=c["assume"]))
