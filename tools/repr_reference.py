"""Record what torch says about torchvision's and timm's models, for tests/test_torchrepr_reference.py.

Run it in a scratch venv OUTSIDE the repo, never in CI (torchvision and timm need the large torch build)::

    python3 -m venv /work/scratch/tvenv
    /work/scratch/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1 timm
    /work/scratch/tvenv/bin/python tools/repr_reference.py -o tests/data/repr_reference.json.xz

For every torchvision classification model (``torchvision.models.list_models(module=torchvision.models)``)
and a sample of timm models (:func:`timm_sample`: every model of the common families up to a per-family
cap, and a few of every other family), built with ``weights=None`` / ``pretrained=False`` (nothing is
downloaded), it stores:

* ``text``: what ``print(model)`` shows;
* ``input``: the input shape used (C, H, W): timm's ``pretrained_cfg['input_size']``; torchvision's
  DEFAULT weights' crop size where the model accepts it (else 224);
* ``params``: ``sum(p.numel() for p in model.parameters())``; ``buffers``: the same over ``model.buffers()``;
* ``output``: the output shape without the batch dim (batch 1, eval mode);
* ``macs``: convcalc's convention, by forward hooks: a Conv's ``weight.numel()`` × output positions,
  a ConvTranspose's × input positions, a Linear's ``in × out`` × rows, and a MultiheadAttention's
  in- and out-projections the same way (torch runs them with ``F.linear`` inside, so no Linear hook
  sees them); ``None`` where a module computes with weights outside these classes (timm's CondConv2d);
* ``children``: parameters of each top-level child, to find where a count goes wrong.

Models are built on the ``meta`` device (shapes only: fast, no memory), with the CPU as a fallback for
the few whose forward does not run there. A model whose forward fails at its default size is
recorded with ``output: null`` and its error.
"""

from __future__ import annotations

import argparse
import json
import lzma
import math
import sys
import time
import traceback

#: timm model modules ("families") taken whole, up to this many models each (evenly spaced by name)
COMMON = {
    "resnet": 81, "efficientnet": 60, "mobilenetv3": 33, "convnext": 31, "regnet": 36, "densenet": 6,
    "inception_v3": 1, "inception_v4": 1, "inception_resnet_v2": 1, "vgg": 8, "vision_transformer": 40,
    "deit": 16, "senet": 9, "resnetv2": 12, "rexnet": 10, "ghostnet": 6, "dla": 12, "dpn": 7, "res2net": 9,
    "resnest": 8, "sknet": 5, "hardcorenas": 6, "xception": 1, "xception_aligned": 5, "mlp_mixer": 8,
    "vovnet": 10, "selecsls": 5, "cspnet": 10, "hrnet": 6, "nfnet": 10, "byobnet": 12, "swin_transformer": 6,
    "beit": 4, "tresnet": 4, "repvit": 4, "convmixer": 3, "mobilevit": 4, "levit": 4,
}
#: models of every other family
OTHERS = 2
MAX_TEXT = 3_000_000  #: skip models whose print(model) is larger than this (characters)


def evenly(names: list[str], k: int) -> list[str]:
    if len(names) <= k:
        return names
    return [names[round(i * (len(names) - 1) / (k - 1))] for i in range(k)] if k > 1 else names[:1]


def timm_sample() -> list[str]:
    import timm
    from timm.models import _registry

    by_family: dict[str, list[str]] = {}
    for name in timm.list_models():
        by_family.setdefault(_registry._model_to_module[name], []).append(name)
    out = []
    for family, names in sorted(by_family.items()):
        out += evenly(sorted(names), COMMON.get(family, OTHERS))
    return out


def family_of(name: str) -> str:
    from timm.models import _registry

    return _registry._model_to_module[name]


class MacCounter:
    """Forward hooks adding up convcalc's MACs."""

    def __init__(self, model):
        from torch import nn

        self.total = 0
        self.unknown: set[str] = set()
        self.handles = []
        conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
        transposed = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
        for module in model.modules():
            if isinstance(module, transposed):
                self.handles.append(module.register_forward_hook(self.transposed))
            elif isinstance(module, conv):
                self.handles.append(module.register_forward_hook(self.conv))
            elif isinstance(module, nn.Linear):
                self.handles.append(module.register_forward_hook(self.linear))
            elif isinstance(module, nn.MultiheadAttention):
                self.handles.append(module.register_forward_hook(self.attention, with_kwargs=True))
            elif type(module).__name__ in ("ShiftedWindowAttention", "ShiftedWindowAttentionV2"):
                # torchvision's Swin runs qkv and proj with F.linear inside (no Linear hook sees them): counted as
                # they run, on the tokens they get (the windows padded to a multiple of the window size)
                self.handles.append(module.register_forward_pre_hook(self.functional_start))
                self.handles.append(module.register_forward_hook(self.functional_end))
            elif type(module).__name__ == "Attention" and type(module).__module__ == "timm.models.beit":
                # timm's BEiT runs qkv with F.linear where it has q/k/v biases (else as a Linear); proj as a Linear
                self.handles.append(module.register_forward_pre_hook(
                    lambda mod, inputs: self.functional_start(mod, inputs, ("qkv",) if mod.q_bias is not None
                                                              else ())))
                self.handles.append(module.register_forward_hook(self.functional_end))
            elif type(module).__name__ == "EvaAttention" and type(module).__module__ == "timm.models.eva":
                # timm's EVA runs a fused qkv with F.linear where it has q/k/v biases (not qkv_bias_separate), as
                # BEiT does
                self.handles.append(module.register_forward_pre_hook(
                    lambda mod, inputs: self.functional_start(
                        mod, inputs, ("qkv",) if mod.qkv is not None and mod.q_bias is not None
                        and not mod.qkv_bias_separate else ())))
                self.handles.append(module.register_forward_hook(self.functional_end))
            elif type(module).__name__ == "WindowAttention" and \
                    type(module).__module__ == "timm.models.swin_transformer_v2":
                # timm's Swin V2 runs qkv with F.linear where it has q/k/v biases (not qkv_bias_separate)
                self.handles.append(module.register_forward_pre_hook(
                    lambda mod, inputs: self.functional_start(
                        mod, inputs, ("qkv",) if mod.q_bias is not None and not mod.qkv_bias_separate else ())))
                self.handles.append(module.register_forward_hook(self.functional_end))
            elif type(module).__name__ in ("CondConv2d",):
                self.unknown.add(type(module).__name__)

    def conv(self, module, inputs, output):
        self.total += module.weight.numel() * math.prod(output.shape[2:]) * output.shape[0]

    def transposed(self, module, inputs, output):
        x = inputs[0]
        self.total += module.weight.numel() * math.prod(x.shape[2:]) * x.shape[0]

    def linear(self, module, inputs, output):
        x = inputs[0]
        self.total += module.in_features * module.out_features * (x.numel() // module.in_features)

    def attention(self, module, args, kwargs, output):
        names = ("query", "key", "value")
        tensors = [*args, *(kwargs[n] for n in names[len(args):] if n in kwargs)][:3]
        e = module.embed_dim
        if module.in_proj_weight is not None:
            rows = [t.numel() // t.shape[-1] for t in tensors]
            self.total += sum(r * e * t.shape[-1] for r, t in zip(rows, tensors))
        else:
            for t, w in zip(tensors, (module.q_proj_weight, module.k_proj_weight, module.v_proj_weight)):
                self.total += (t.numel() // t.shape[-1]) * w.numel()
        self.total += (tensors[0].numel() // tensors[0].shape[-1]) * e * e  # out_proj

    def functional_start(self, module, inputs, names=("qkv", "proj")):
        from torch.overrides import TorchFunctionMode

        counter, weights = self, {id(getattr(module, n).weight) for n in names}

        class Linears(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                if func is torch.nn.functional.linear:
                    x = args[0] if args else kwargs["input"]
                    w = args[1] if len(args) > 1 else kwargs.get("weight")
                    if id(w) in weights:  # BEiT passes weight= by keyword
                        counter.total += w.numel() * (x.numel() // x.shape[-1])
                return func(*args, **kwargs)

        import torch

        self.mode = Linears()
        self.mode.__enter__()

    def functional_end(self, module, inputs, output):
        self.mode.__exit__(None, None, None)

    def close(self):
        for h in self.handles:
            h.remove()


def measure(build, input_shape, device: str) -> dict:
    import torch

    with torch.device(device):
        model = build()
    model.eval()
    text = str(model)
    rec = {"text": text, "input": list(input_shape),
           "params": sum(p.numel() for p in model.parameters()),
           "buffers": sum(b.numel() for b in model.buffers()),
           "children": {k: sum(p.numel() for p in m.parameters()) for k, m in model.named_children()}}
    counter = MacCounter(model)
    try:
        with torch.no_grad():
            out = model(torch.zeros((1, *input_shape), device=device))
        if isinstance(out, (tuple, list)):
            out = out[0]
        rec["output"] = list(out.shape[1:])
        rec["macs"] = None if counter.unknown else counter.total
        if counter.unknown:
            rec["macs_unknown"] = sorted(counter.unknown)
    finally:
        counter.close()
    return rec


def record(name: str, source: str, build, sizes, family: str) -> dict:
    last = None
    for device in ("meta", "cpu"):
        for size in sizes:
            try:
                rec = measure(build, size, device)
                rec.update(name=name, source=source, family=family, device=device)
                return rec
            except Exception as exc:  # noqa: BLE001 - recorded
                last = f"{type(exc).__name__}: {exc}"
                if device == "cpu":
                    traceback.print_exc(limit=2, file=sys.stderr)
    import torch

    with torch.device("meta"):
        model = build()
    return {"name": name, "source": source, "family": family, "text": str(model), "input": list(sizes[0]),
            "params": sum(p.numel() for p in model.parameters()),
            "buffers": sum(b.numel() for b in model.buffers()), "output": None, "macs": None, "error": last}


def torchvision_records(only: set[str] | None):
    import torchvision

    for name in torchvision.models.list_models(module=torchvision.models):
        if only and name not in only:
            continue
        weights = torchvision.models.get_model_weights(name).DEFAULT
        crop = weights.transforms().crop_size[0]
        sizes = [(3, crop, crop)] + ([(3, 224, 224)] if crop != 224 else [])
        yield record(name, "torchvision", lambda n=name: torchvision.models.get_model(n, weights=None), sizes,
                     name.rstrip("0123456789_").split("_")[0])


def timm_records(only: set[str] | None):
    import timm

    for name in timm_sample():
        if only and name not in only:
            continue
        cfg = timm.models.get_pretrained_cfg(name)
        size = tuple(cfg.input_size) if cfg is not None else (3, 224, 224)
        yield record(name, "timm", lambda n=name: timm.create_model(n, pretrained=False), [size], family_of(name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="tests/data/repr_reference.json.xz")
    parser.add_argument("--only", nargs="*", help="just these model names")
    parser.add_argument("--source", choices=("torchvision", "timm", "all"), default="all")
    parser.add_argument("--update", action="store_true",
                        help="with --only: re-record just these models in the existing output, the rest kept")
    args = parser.parse_args()
    import timm
    import torch
    import torchvision

    only = set(args.only) if args.only else None
    models = []
    start = time.time()
    sources = [torchvision_records, timm_records] if args.source == "all" else (
        [torchvision_records] if args.source == "torchvision" else [timm_records])
    for source in sources:
        for rec in source(only):
            if len(rec["text"]) > MAX_TEXT:
                print(f"skip {rec['name']}: print(model) has {len(rec['text']):,} characters", file=sys.stderr)
                continue
            models.append(rec)
            print(f"{time.time() - start:7.1f}s {rec['source']:11} {rec['name']:40} {rec['params']:>13,} "
                  f"{rec.get('output')} {rec.get('macs')} {rec.get('error', '')[:80]}", file=sys.stderr, flush=True)
    data = {"torch": torch.__version__, "torchvision": torchvision.__version__, "timm": timm.__version__,
            "macs_convention": "conv weight.numel() x output positions; convtranspose x input positions; "
                               "linear in x out x rows; multiheadattention in/out projections as linear; "
                               "torchvision's ShiftedWindowAttention qkv/proj (F.linear) as linear; "
                               "timm BEiT's, EVA's and Swin V2's qkv (F.linear) as linear",
            "models": models}
    if args.update:
        with lzma.open(args.output, "rt", encoding="utf-8") as f:
            old = json.load(f)
        fresh = {rec["name"]: rec for rec in models}
        data["models"] = [fresh.pop(rec["name"], rec) for rec in old["models"]] + list(fresh.values())
    with lzma.open(args.output, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as f:
        json.dump(data, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
