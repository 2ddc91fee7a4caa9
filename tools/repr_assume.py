"""Record the constructor arguments print(model) does not show, for the recorded timm ViT-family models.

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


def main() -> None:
    with lzma.open(DATA / "repr_reference.json.xz", "rt", encoding="utf-8") as f:
        models = json.load(f)["models"]
    out = {}
    for record in models:
        text = record["text"]
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
