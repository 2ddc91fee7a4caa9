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


def edgenext_facts(name: str) -> dict:
    """timm's EdgeNeXt: the heads of each stage's cross-covariance attention (its temperature), and whether its
    blocks hold layer scales (ls_init_value > 0)."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    blocks = [b for stage in m.stages for b in stage.blocks]
    heads = [next(b.xca.num_heads for b in stage.blocks if hasattr(b, "xca"))
             for stage in m.stages if any(hasattr(b, "xca") for b in stage.blocks)]
    return {"num_heads": per_stage(heads), "layer_scale": blocks[0].gamma is not None}


def eva_facts(name: str) -> dict:
    """timm's Eva and the rotary-embedding ViT encoders (DeepSeek, Qwen3): the rotary embedding's head dim, and the
    constructor choices print(model) does not show, each only where a printed class of the model reads it."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    enc = getattr(m, "encoder", m)
    facts: dict = {}
    rope = getattr(enc, "rope", None)
    if rope is not None and type(rope).__name__ in ("RotaryEmbeddingCat", "RotaryEmbeddingDinoV3"):
        facts["dim"] = int(rope.dim)
        if type(enc).__name__ == "Eva":
            facts["dynamic_img_size"] = bool(enc.dynamic_img_size)
    if type(enc).__name__ != "Eva":
        if enc is not m:
            facts["global_pool"] = m.global_pool
        if getattr(enc, "aligner", None) is not None:
            facts["downsample_ratio"] = int(enc.aligner.downsample_ratio)
        if getattr(enc, "merger", None) is not None:
            facts["merge_size"] = int(enc.merger.merge_size)
        if hasattr(enc, "pos_embed_grid_size"):
            facts["pos_embed_grid_size"] = int(enc.pos_embed_grid_size)
        return facts
    facts.update(class_token=enc.cls_token is not None, reg_tokens=int(enc.reg_token.shape[1]) if enc.reg_token
                 is not None else 0, no_embed_class=bool(enc.no_embed_class),
                 pos_embed="learn" if enc.pos_embed is not None else "none", global_pool=enc.global_pool)
    block = enc.blocks[0]
    if type(block).__name__ == "EvaBlock":
        facts.update(layer_scale=block.gamma_1 is not None,
                     attn_only_layer_scale=block.gamma_1 is not None and block.gamma_2 is None)
    if type(block.attn).__name__ == "EvaAttention" and block.attn.qkv is not None:
        facts["qkv_bias"] = block.attn.q_bias is not None
    return facts


def levit_facts(name: str) -> dict:
    """timm's LeViT: key_dim (its attentions' heads are key_attn_dim // key_dim; print(model) shows neither)."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    dims = {b.attn.key_dim for stage in m.stages for b in stage.blocks}
    dims |= {stage.downsample.attn_downsample.key_dim for stage in m.stages
             if hasattr(stage.downsample, "attn_downsample")}
    assert len(dims) == 1, dims
    return {"key_dim": dims.pop()}


def crossvit_facts(name: str) -> dict:
    """timm's CrossVit: each branch's img_size_scaled (int(img_size · img_scale): the size the image is resized to,
    its position embedding's tokens), and global_pool."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    assert all(s[0] == s[1] for s in m.img_size_scaled), m.img_size_scaled
    return {"img_size_scaled": per_stage([s[0] for s in m.img_size_scaled]), "global_pool": m.global_pool}


def iformer_facts(name: str) -> dict:
    """timm's IFormer: whether its blocks' Residuals hold layer scales (layer_scale_init_value > 0)."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    return {"layer_scale": m.stages[0].blocks[0].mixer.gamma is not None}


def leaves_facts(name: str) -> dict:
    """timm's MaxxVit (the window and grid partition size of its MaxViT blocks, the attention's dim_head), and the
    heads, block and halo sizes of BoTNet's and HaloNet's attention: what print(model) does not show."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    facts: dict = {}
    parts = {tuple(x.partition_size) for x in m.modules() if type(x).__name__ == "PartitionAttentionCl"}
    if parts:
        assert len(parts) == 1 and len(set(next(iter(parts)))) == 1, parts
        facts["partition_size"] = next(iter(parts))[0]
    heads = {x.dim_head for x in m.modules() if type(x).__name__ in ("AttentionCl", "Attention2d")}
    if heads:
        assert len(heads) == 1, heads
        facts["dim_head"] = heads.pop()
    for cls in ("BottleneckAttn", "HaloAttn"):
        attns = [x for x in m.modules() if type(x).__name__ == cls]
        for key in ("num_heads", "block_size", "halo_size") if cls == "HaloAttn" else ("num_heads",):
            values = {getattr(a, key) for a in attns}
            if values:  # one value for the model (their --assume takes one)
                assert len(values) == 1, (key, values)
                facts[key] = values.pop()
    return facts


def gcvit_facts(name: str) -> dict:
    """timm's GCViT: each stage's window size (img_size // window_ratio as built) and heads, what its blocks'
    WindowAttentionGlobal holds."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    attns = [stage.blocks[0].attn for stage in m.stages]
    windows = [tuple(a.window_size) for a in attns]
    assert all(w[0] == w[1] for w in windows), windows
    for stage, a in zip(m.stages, attns):
        assert all(tuple(b.attn.window_size) == tuple(a.window_size) and b.attn.num_heads == a.num_heads
                   for b in stage.blocks)
    return {"window_size": per_stage([w[0] for w in windows]), "num_heads": per_stage([a.num_heads for a in attns])}


def vit_block_facts(m) -> dict:
    """timm ViT blocks whose sizes print(model) does not show: ParallelScalingBlock's heads (with per-head q/k
    norms), DiffAttention's heads and lambda form."""
    block = m.blocks[0]
    if type(block).__name__ == "ParallelScalingBlock" and not isinstance(block.q_norm, torch.nn.Identity):
        return {"num_heads": int(block.num_heads)}
    attn = getattr(block, "attn", None)
    if type(attn).__name__ == "DiffAttention":
        return {"num_heads": int(attn.num_heads), "dual_lambda": bool(attn.dual_lambda)}
    return {}


def naflexvit_facts(name: str) -> dict:
    """timm's NaFlexVit: its patch size, position embedding and prefix tokens (NaFlexEmbeds) and global pool."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    e = m.embeds
    grid = e.pos_embed_grid_size
    assert grid is None or grid[0] == grid[1], grid
    assert e.patch_size[0] == e.patch_size[1], e.patch_size
    return {"patch_size": int(e.patch_size[0]), "class_token": e.cls_token is not None,
            "reg_tokens": int(e.num_reg_tokens or 0), "pos_embed": e.pos_embed_type,
            "pos_embed_grid_size": int(grid[0]) if grid else 0, "global_pool": m.global_pool}


def relpos_facts(name: str) -> dict:
    """timm's VisionTransformerRelPos: the patch grid its relative position MLPs were built for, class token, pool."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    rel = m.shared_rel_pos if m.shared_rel_pos is not None else m.blocks[0].attn.rel_pos
    assert type(rel).__name__ == "RelPosMlp" and rel.window_size[0] == rel.window_size[1], rel
    return {"window_size": int(rel.window_size[0]), "class_token": m.cls_token is not None,
            "global_pool": m.global_pool}


def sam_facts(name: str) -> dict:
    """timm's VisionTransformerSAM: heads, windows, the global blocks, relative and absolute position embeddings."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    windows = {b.window_size for b in m.blocks if b.window_size}
    assert len(windows) <= 1, windows
    assert m.patch_embed.img_size[0] == m.patch_embed.img_size[1], m.patch_embed.img_size
    return {"num_heads": int(m.blocks[0].attn.num_heads), "use_rel_pos": bool(m.blocks[0].attn.use_rel_pos),
            "window_size": windows.pop() if windows else 0,
            "global_attn_indexes": "/".join(str(i) for i, b in enumerate(m.blocks) if not b.window_size),
            "img_size": int(m.patch_embed.img_size[0]), "use_abs_pos": m.pos_embed is not None}


def hieradet_facts(name: str) -> dict:
    """timm's HieraDet: the window of each stage, the blocks with global attention, the position embedding's grid."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    assert m.global_pos_size[0] == m.global_pos_size[1], m.global_pos_size
    return {"window_spec": "/".join(str(int(w)) for w in m.window_spec),
            "global_att_blocks": "/".join(str(int(i)) for i in (m.global_att_blocks or ())),
            "global_pos_size": int(m.global_pos_size[0])}


def gemma4_facts(name: str) -> dict:
    """timm's Gemma4 vision encoder (and classifier): head dim, patch size, position table, pool, clamps, std."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    e = getattr(m, "encoder", m)
    assert e.patch_size[0] == e.patch_size[1], e.patch_size
    facts = {"head_dim": int(e.blocks[0].attn.head_dim), "patch_size": int(e.patch_size[0]),
             "position_embedding_size": int(e.patch_embed.position_embedding_size),
             "use_clipped_linears": bool(e.use_clipped_linears), "standardize": e.std_bias is not None,
             "pooling_kernel_size": int(e.pooling_kernel_size)}
    if e is m:
        facts["global_pool"] = e.global_pool
    else:
        facts.update(global_pool=m.global_pool, encoder_pool=e.global_pool)
    return facts


def clip_facts(name: str) -> dict:
    """CLIP ResNets' AttentionPool2d: the position embedding's grid and whether it has a class token."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    return {"feat_size": int(m.head.feat_size[0]), "class_token": m.head.cls_token is not None}


def vit_facts(name: str) -> dict:
    """timm's VisionTransformer (and its distilled form): the tokens, the position embedding, the pool, the blocks."""
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False)
    facts = {"no_embed_class": bool(m.no_embed_class), "pos_embed": "learn" if m.pos_embed is not None else "none"}
    if type(m).__name__ == "VisionTransformer":
        facts.update(class_token=m.cls_token is not None, reg_tokens=int(m.num_reg_tokens or 0),
                     global_pool=m.global_pool)
    facts.update(vit_block_facts(m))
    return facts


#: (source, how the printed text starts — or, with "in:", a class printed anywhere in it —, the facts it needs);
#: the first entry that matches a model records its facts (an empty result records nothing)
FACTS = [
    ("torchvision", ("SwinTransformer(",), swin_facts),
    ("timm", ("SwinTransformer(",), timm_swin_facts),
    ("timm", ("SwinTransformerV2(", "SwinTransformerV2Cr("), timm_swin_v2_facts),
    ("timm", ("Xcit(",), xcit_facts),
    ("timm", ("Twins(",), twins_facts),
    ("timm", ("CrossVit(",), crossvit_facts),
    ("timm", ("IFormer(",), iformer_facts),
    ("timm", ("EdgeNeXt(",), edgenext_facts),
    ("timm", ("Levit(", "LevitDistilled("), levit_facts),
    ("timm", ("Beit(",), beit_facts),
    ("timm", ("Gemma4VitClassifier(", "Gemma4VitEncoder("), gemma4_facts),
    ("timm", ("HieraDet(",), hieradet_facts),
    ("timm", ("GlobalContextVit(",), gcvit_facts),
    ("timm", ("VisionTransformerSAM(",), sam_facts),
    ("timm", ("VisionTransformerRelPos(",), relpos_facts),
    ("timm", ("NaFlexVit(",), naflexvit_facts),
    ("timm", ("Eva(", "DeepseekVit", "Qwen3Vit"), eva_facts),
    ("timm", ("MaxxVit(", "in:BottleneckAttn(", "in:HaloAttn("), leaves_facts),
    ("timm", ("in:AttentionPool2d(",), clip_facts),
    ("timm", ("VisionTransformer(", "VisionTransformerDistilled("), vit_facts),
]


def _matches(text: str, patterns: tuple[str, ...]) -> bool:
    return any(text.startswith(p) if not p.startswith("in:") else p[3:] in text for p in patterns)


def main() -> None:
    with lzma.open(DATA / "repr_reference.json.xz", "rt", encoding="utf-8") as f:
        models = json.load(f)["models"]
    out = {}
    for record in models:
        found = next((facts for source, patterns, facts in FACTS
                      if record["source"] == source and _matches(record["text"], patterns)), None)
        if found is not None and (facts := found(record["name"])):
            out[record["name"]] = facts
    (DATA / "repr_assume.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
