"""Record small instances of the transformer classes convcalc's vocabulary reads, for
tests/test_torchrepr_transformers.py.

Run it in a scratch venv OUTSIDE the repo, never in CI (torchvision and timm are not test dependencies)::

    /work/scratch/tvenv/bin/python tools/transformer_blocks_reference.py -o tests/data/transformer_blocks.json.xz

For every case (a model or module built small, at input sizes that are no multiple of its window, so the windows
are padded) it stores what ``print(module)`` shows, the input shape (C, H, W), torch's parameters, buffers, output
shape and MACs (tools/repr_reference.py's convention, with its hooks), and ``assume``: the constructor arguments
print(module) does not show, as ``--assume`` takes them.
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _per_stage(values: list[int]) -> int | str:
    return values[0] if len(set(values)) == 1 else "/".join(str(v) for v in values)


def cases():
    """(class, a function building the module, input shape, the --assume it needs)."""
    from torchvision.models import swin_transformer as tvs

    def tv_swin(depths, heads, window, v2=False, embed=32):
        extra = dict(block=tvs.SwinTransformerBlockV2, downsample_layer=tvs.PatchMergingV2) if v2 else {}
        return lambda: tvs.SwinTransformer(patch_size=[4, 4], embed_dim=embed, depths=depths, num_heads=heads,
                                           window_size=[window, window], num_classes=10, **extra)

    yield "SwinTransformer", tv_swin([2, 2, 2], [2, 4, 8], 7), (3, 100, 100), \
        {"window_size": 7, "num_heads": "2/4/8"}
    yield "SwinTransformer", tv_swin([1, 2, 1], [2, 2, 2], 5), (3, 64, 64), {"window_size": 5, "num_heads": 2}
    yield "SwinTransformer", tv_swin([2, 2, 2], [2, 4, 8], 8, v2=True), (3, 72, 72), {"window_size": 8}
    yield "SwinTransformer", tv_swin([1, 1], [1, 2], 3, v2=True, embed=16), (3, 36, 44), {"window_size": 3}

    from timm.models import swin_transformer as ts

    def timm_swin(img, depths, heads, window, **more):
        stated = {"window_size": _per_stage(list(window)) if isinstance(window, tuple) else window,
                  "num_heads": _per_stage(list(heads)),
                  **{k: more[k] for k in ("always_partition", "strict_img_size") if k in more}}
        return (lambda: ts.SwinTransformer(img_size=img, patch_size=4, embed_dim=16, depths=depths, num_heads=heads,
                                           window_size=window, num_classes=10, **more)), (3, img, img), stated

    for args, more in (((100, (2, 2, 2), (2, 4, 8), 7), {}), ((72, (2, 2, 2), (1, 2, 2), 8), {}),
                       ((64, (2, 2, 2), (2, 2, 4), (4, 7, 8)), {}),
                       ((64, (2, 2, 2), (2, 2, 2), 7), {"always_partition": True}),
                       ((64, (2, 2, 1), (2, 2, 2), 5), {"strict_img_size": False})):
        build, shape, stated = timm_swin(*args, **more)
        yield "SwinTransformer", build, shape, stated

    from timm.models import swin_transformer_v2 as ts2

    def timm_swin_v2(img, depths, heads, window, **more):
        stated = {"window_size": _per_stage(list(window)) if isinstance(window, tuple) else window,
                  **{k: more[k] for k in ("always_partition", "strict_img_size", "qkv_bias") if k in more}}
        return (lambda: ts2.SwinTransformerV2(img_size=img, patch_size=4, embed_dim=16, depths=depths,
                                              num_heads=heads, window_size=window, num_classes=10, **more)), \
            (3, img, img), stated

    for args, more in (((100, (2, 2, 2), (2, 4, 8), 7), {}), ((72, (2, 2, 2), (1, 2, 2), 8), {}),
                       ((64, (2, 2, 2), (2, 2, 4), (4, 7, 8)), {}),
                       ((64, (2, 2, 2), (2, 2, 2), 7), {"always_partition": True}),
                       ((64, (2, 2, 1), (2, 2, 2), 5), {"strict_img_size": False, "qkv_bias": False})):
        build, shape, stated = timm_swin_v2(*args, **more)
        yield "SwinTransformerV2", build, shape, stated

    from timm.models import swin_transformer_v2_cr as tcr

    def timm_swin_v2_cr(img, depths, heads, window, **more):
        stated = {"window_size": _per_stage(list(window)) if isinstance(window, tuple) else window,
                  **{k: more[k] for k in ("always_partition", "strict_img_size") if k in more}}
        return (lambda: tcr.SwinTransformerV2Cr(img_size=img, patch_size=4, embed_dim=16, depths=depths,
                                                num_heads=heads, window_size=window, num_classes=10, **more)), \
            (3, img, img), stated

    for args, more in (((100, (2, 2, 2), (2, 4, 8), 7), {}), ((64, (2, 2, 2), (2, 2, 4), (4, 7, 8)), {}),
                       ((64, (2, 2, 2), (2, 2, 2), 7), {"always_partition": True}),
                       ((64, (2, 2, 1), (2, 2, 2), 5), {"strict_img_size": False, "extra_norm_period": 1})):
        build, shape, stated = timm_swin_v2_cr(*args, **more)
        yield "SwinTransformerV2Cr", build, shape, stated

    from timm.models import cait

    # CaiT: talking-heads self-attention blocks, then class-attention blocks on (class token, patches)
    yield "Cait", (lambda: cait.Cait(img_size=48, patch_size=8, embed_dim=32, depth=2, num_heads=4, num_classes=10,
                                     depth_token_only=2)), (3, 48, 48), {}
    yield "Cait", (lambda: cait.Cait(img_size=(40, 56), patch_size=8, embed_dim=24, depth=1, num_heads=3,
                                     num_classes=10, depth_token_only=1, qkv_bias=False, global_pool="avg")), \
        (3, 40, 56), {"global_pool": "avg"}

    import torch.nn as nn
    from timm.models import visformer

    # Visformer as timm's models are built (a stem, BatchNorm, stage 1 without attention), and with its defaults
    yield "Visformer", (lambda: visformer.Visformer(
        img_size=64, init_channels=8, embed_dim=32, depth=(2, 1, 1), num_heads=2, attn_stage="011",
        spatial_conv="100", norm_layer=nn.BatchNorm2d, embed_norm=nn.BatchNorm2d, num_classes=10)), (3, 64, 64), {}
    yield "Visformer", (lambda: visformer.Visformer(
        img_size=48, init_channels=None, embed_dim=32, depth=(1, 1, 1), num_heads=4, use_pos_embed=False,
        num_classes=10)), (3, 48, 48), {}

    from timm.models import pvt_v2

    # PVT-v2: spatial reduction (sr) of k and v, and the linear variant (pooled to 7 × 7); a non-square input
    yield "PyramidVisionTransformerV2", (lambda: pvt_v2.PyramidVisionTransformerV2(
        depths=(1, 2, 1, 1), embed_dims=(16, 32, 48, 64), num_heads=(1, 2, 3, 4), mlp_ratios=(2, 2, 2, 2),
        num_classes=10)), (3, 72, 80), {}
    yield "PyramidVisionTransformerV2", (lambda: pvt_v2.PyramidVisionTransformerV2(
        depths=(1, 1, 1, 1), embed_dims=(16, 32, 48, 64), num_heads=(1, 2, 3, 4), mlp_ratios=(2, 2, 2, 2),
        linear=True, qkv_bias=False, num_classes=10)), (3, 64, 64), {}

    from timm.models import twins

    # Twins: SVT (locally grouped windows, padded: 24, 12, 6, 3 against 5) and PCPVT (global sub-sampling only)
    yield "Twins", (lambda: twins.Twins(img_size=96, embed_dims=(16, 32, 48, 64), num_heads=(1, 2, 3, 4),
                                        mlp_ratios=(2, 2, 2, 2), depths=(2, 2, 2, 2), wss=(5, 5, 5, 5),
                                        num_classes=10)), (3, 96, 96), {"ws": 5}
    yield "Twins", (lambda: twins.Twins(img_size=64, embed_dims=(16, 32, 48, 64), num_heads=(1, 2, 3, 4),
                                        mlp_ratios=(2, 2, 2, 2), depths=(1, 2, 1, 1), num_classes=10)), \
        (3, 64, 64), {}

    from timm.models import xcit

    # XCiT: patch blocks on a non-square grid, class-attention blocks (with and without tokens_norm, layer scales)
    yield "Xcit", (lambda: xcit.Xcit(img_size=(48, 64), patch_size=16, embed_dim=32, depth=2, num_heads=4,
                                     eta=1.0, tokens_norm=True, num_classes=10)), (3, 48, 64), {"num_heads": 4}
    yield "Xcit", (lambda: xcit.Xcit(img_size=32, patch_size=8, embed_dim=24, depth=1, num_heads=2,
                                     cls_attn_layers=1, global_pool="avg", use_pos_embed=False, num_classes=10)), \
        (3, 32, 32), {"num_heads": 2, "global_pool": "avg"}

    from timm.models import beit

    def timm_beit(img, heads, **more):
        return lambda: beit.Beit(img_size=img, patch_size=8, embed_dim=32, depth=2, num_heads=heads, num_classes=10,
                                 **more)

    # as timm's BEiT models are built (relative position bias on a non-square grid, layer scale, q/v biases)
    yield "Beit", timm_beit((48, 64), 2, use_abs_pos_emb=False, use_rel_pos_bias=True, init_values=0.1), \
        (3, 48, 64), {"num_heads": 2}
    # the constructor's other choices, stated
    yield "Beit", timm_beit(40, 4, use_abs_pos_emb=True, use_rel_pos_bias=False, init_values=None, qkv_bias=False,
                            global_pool="token"), (3, 40, 40), \
        {"num_heads": 4, "use_abs_pos_emb": True, "use_rel_pos_bias": False, "layer_scale": False,
         "qkv_bias": False, "global_pool": "token"}


def measure(build, input_shape, assume) -> dict:
    import torch
    from repr_reference import MacCounter

    model = build().eval()
    rec = {"text": str(model), "input": list(input_shape),
           "params": sum(p.numel() for p in model.parameters()),
           "buffers": sum(b.numel() for b in model.buffers()), "assume": assume}
    counter = MacCounter(model)
    try:
        with torch.no_grad():
            out = model(torch.zeros((1, *input_shape)))
        rec["output"] = list(out.shape[1:])
        rec["macs"] = counter.total
    finally:
        counter.close()
    return rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="tests/data/transformer_blocks.json.xz")
    args = parser.parse_args()
    import timm
    import torch
    import torchvision

    out = []
    for cls, build, shape, assume in cases():
        rec = measure(build, shape, assume)
        rec["class"] = cls
        out.append(rec)
        print(f"{cls:30} {rec['params']:>10,} {rec['buffers']:>8,} {rec['output']} {rec['macs']:,}", file=sys.stderr)
    data = {"torch": torch.__version__, "torchvision": torchvision.__version__, "timm": timm.__version__,
            "cases": out}
    with lzma.open(args.output, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as f:
        json.dump(data, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
