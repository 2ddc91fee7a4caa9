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
