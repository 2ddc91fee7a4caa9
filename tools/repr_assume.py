"""Record the constructor arguments print(model) does not show, for the recorded timm ViT-family models and Swins.

timm's VisionTransformer prints no line for its class token, register tokens, position embedding or global pool;
convcalc reads them with timm's defaults unless the user states them (``--assume reg_tokens=4``). This records each
reference model's own values so tests/test_torchrepr_reference.py can check both readings: the defaults, marked as
assumed, and the stated values, exact. Run in the scratch venv that made tests/data/repr_reference.json.xz
(torch 2.14.1, timm 1.0.31)::

    python tools/repr_assume.py   # writes tests/data/repr_assume.json
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import timm
import torch

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def per_stage(values: list[int]) -> int | str:
    """One value for all stages, else ``3/6/12/24`` as --assume takes it."""
    return values[0] if len(set(values)) == 1 else "/".join(str(v) for v in values)


def swin_facts(name: str) -> dict:
    """torchvision's Swin: the window size and (V1: V2 prints them) the heads of each stage's attention."""
    import torchvision

    with torch.device("meta"):
        m = torchvision.models.get_model(name, weights=None)
    attns = [stage[0].attn for stage in m.features if isinstance(stage, torch.nn.Sequential) and
             hasattr(stage[0], "attn")]
    windows = [a.window_size for a in attns]
    assert all(w[0] == w[1] for w in windows), windows
    facts = {"window_size": per_stage([w[0] for w in windows])}
    if type(attns[0]).__name__ == "ShiftedWindowAttention":
        facts["num_heads"] = per_stage([a.num_heads for a in attns])
    return facts


def timm_swin_facts(name: str) -> dict:
    """timm's Swin: each stage's window size and heads (what its first block's attention holds)."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    attns = [stage.blocks[0].attn for stage in m.layers]
    windows = [a.window_size for a in attns]
    assert all(w[0] == w[1] for w in windows), windows
    blocks = [b for stage in m.layers for b in stage.blocks]
    return {"window_size": per_stage([w[0] for w in windows]), "num_heads": per_stage([a.num_heads for a in attns]),
            "always_partition": bool(blocks[0].always_partition), "strict_img_size": not blocks[0].dynamic_mask}


def timm_swin_v2_facts(name: str) -> dict:
    """timm's Swin V2 and V2-Cr: each stage's window size as built (before it is cut to the feature map; cpb_mlp and
    meta_mlp print the heads), and the constructor choices print(model) does not show."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    windows = [w if isinstance(w, int) else w[0] for w in m._ref_window_sizes]
    assert all(isinstance(w, int) or w[0] == w[1] for w in m._ref_window_sizes), m._ref_window_sizes
    blocks = [b for stage in (m.stages if hasattr(m, "stages") else m.layers) for b in stage.blocks]
    facts = {"window_size": per_stage(windows), "always_partition": bool(blocks[0].always_partition),
             "strict_img_size": not blocks[0].dynamic_mask}
    if hasattr(blocks[0].attn, "q_bias"):  # V2 (V2-Cr's qkv prints its bias)
        facts["qkv_bias"] = blocks[0].attn.q_bias is not None
    return facts


def twins_facts(name: str) -> dict:
    """timm's Twins: each stage's window size (ws) where its blocks have a LocallyGroupedAttn."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    windows = [next((b.attn.ws for b in stage if type(b.attn).__name__ == "LocallyGroupedAttn"), None)
               for stage in m.blocks]
    if all(w is None for w in windows):
        return {}
    assert all(w is not None for w in windows), windows
    return {"ws": per_stage(windows)}


def xcit_facts(name: str) -> dict:
    """timm's XCiT: the heads (XCA's temperature), and the constructor choices print(model) does not show."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    heads = {b.attn.num_heads for b in m.blocks}
    assert len(heads) == 1, heads
    return {"num_heads": heads.pop(), "global_pool": m.global_pool,
            "layer_scale": isinstance(m.cls_attn_blocks[0].gamma1, torch.nn.Parameter)}


def beit_facts(name: str) -> dict:
    """timm's BEiT: the heads, and the constructor choices print(model) does not show."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    attn = m.blocks[0].attn
    return {"num_heads": attn.num_heads, "qkv_bias": attn.q_bias is not None,
            "use_rel_pos_bias": attn.relative_position_bias_table is not None,
            "use_abs_pos_emb": m.pos_embed is not None, "layer_scale": m.blocks[0].gamma_1 is not None,
            "global_pool": m.global_pool}


def main() -> None:
    with lzma.open(DATA / "repr_reference.json.xz", "rt", encoding="utf-8") as f:
        models = json.load(f)["models"]
    out = {}
    for record in models:
        text = record["text"]
        if record["source"] == "torchvision" and text.startswith("SwinTransformer("):
            out[record["name"]] = swin_facts(record["name"])
            continue
        if record["source"] == "timm" and text.startswith("SwinTransformer("):
            out[record["name"]] = timm_swin_facts(record["name"])
            continue
        if record["source"] == "timm" and text.startswith(("SwinTransformerV2(", "SwinTransformerV2Cr(")):
            out[record["name"]] = timm_swin_v2_facts(record["name"])
            continue
        if record["source"] == "timm" and text.startswith("Xcit("):
            out[record["name"]] = xcit_facts(record["name"])
            continue
        if record["source"] == "timm" and text.startswith("Twins("):
            facts = twins_facts(record["name"])
            if facts:
                out[record["name"]] = facts
            continue
        if record["source"] == "timm" and text.startswith("Beit("):
            out[record["name"]] = beit_facts(record["name"])
            continue
        if record["source"] == "timm" and "AttentionPool2d(" in text:  # CLIP ResNets: the pos embed's grid
            with torch.device("meta"):
                m = timm.create_model(record["name"], pretrained=False)
            out[record["name"]] = {"feat_size": int(m.head.feat_size[0]),
                                   "class_token": m.head.cls_token is not None}
            continue
        if record["source"] != "timm" or not text.startswith(("VisionTransformer(", "VisionTransformerDistilled(")):
            continue
        with torch.device("meta"):
            m = timm.create_model(record["name"], pretrained=False)
        facts = {"no_embed_class": bool(m.no_embed_class), "pos_embed": "learn" if m.pos_embed is not None else "none"}
        if text.startswith("VisionTransformer("):
            facts.update(class_token=m.cls_token is not None, reg_tokens=int(m.num_reg_tokens or 0),
                         global_pool=m.global_pool)
        out[record["name"]] = facts
    (DATA / "repr_assume.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
