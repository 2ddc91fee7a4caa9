"""Generate tests/data/torchvision_reference.json: ground truth from torchvision.

DEV-ONLY TOOL. Not used by CI and not imported by convcalc or its tests; the
tests read the JSON it writes, so they need neither torch nor torchvision.

Run it (from the repository root) in a scratch virtualenv that has the pinned
versions, e.g.:

    python3 -m venv /work/tvenv
    /work/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /work/tvenv/bin/python tools/torchvision_reference.py [-o tests/data/torchvision_reference.json]

Uses the standard library plus torch/torchvision only. No pretrained weights are
loaded (weights=None everywhere); reading a weights enum's ``.meta`` downloads
nothing. Everything runs on CPU in eval mode with batch 1 under torch.no_grad().

For each model it records totals, per-leaf-module rows in execution order
(forward hooks; a module called twice gives two rows), the functional ops
called outside any leaf module (torch.cat, +, F.relu, F.max_pool2d, flatten ...,
caught with a TorchFunctionMode), and the smallest square input accepted.
See the "conventions" object in the output for the meaning of every field.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings

import torch
import torch.nn as nn
import torchvision
from torch.overrides import TorchFunctionMode
from torchvision import models

# name -> (builder, kwargs, default input CHW, weights enum entry for published meta)
MODELS = {
    "alexnet": (models.alexnet, {}, (3, 224, 224), "AlexNet_Weights.IMAGENET1K_V1"),
    "vgg11": (models.vgg11, {}, (3, 224, 224), "VGG11_Weights.IMAGENET1K_V1"),
    "vgg16": (models.vgg16, {}, (3, 224, 224), "VGG16_Weights.IMAGENET1K_V1"),
    "resnet18": (models.resnet18, {}, (3, 224, 224), "ResNet18_Weights.IMAGENET1K_V1"),
    "resnet50": (models.resnet50, {}, (3, 224, 224), "ResNet50_Weights.IMAGENET1K_V1"),
    "googlenet": (
        models.googlenet,
        {"aux_logits": False, "init_weights": False},
        (3, 224, 224),
        "GoogLeNet_Weights.IMAGENET1K_V1",
    ),
    "inception_v3": (
        models.inception_v3,
        {"aux_logits": False, "init_weights": False},
        (3, 299, 299),
        "Inception_V3_Weights.IMAGENET1K_V1",
    ),
    "mobilenet_v2": (models.mobilenet_v2, {}, (3, 224, 224), "MobileNet_V2_Weights.IMAGENET1K_V1"),
    "squeezenet1_0": (models.squeezenet1_0, {}, (3, 224, 224), "SqueezeNet1_0_Weights.IMAGENET1K_V1"),
    "densenet121": (models.densenet121, {}, (3, 224, 224), "DenseNet121_Weights.IMAGENET1K_V1"),
}

# Same architectures with the auxiliary classifiers kept: totals only.
AUX_MODELS = {
    "googlenet_aux": (models.googlenet, {"aux_logits": True, "init_weights": False}, ("aux1", "aux2")),
    "inception_v3_aux": (models.inception_v3, {"aux_logits": True, "init_weights": False}, ("AuxLogits",)),
}

# Hand-written notes on what happens in forward() outside nn.Module leaves
# (the "functional_calls" list records it mechanically as well).
NOTES = {
    "alexnet": "forward(): torch.flatten(x, 1) between avgpool (AdaptiveAvgPool2d((6,6))) and classifier.",
    "vgg11": "forward(): torch.flatten(x, 1) between avgpool (AdaptiveAvgPool2d((7,7))) and classifier.",
    "vgg16": "forward(): torch.flatten(x, 1) between avgpool (AdaptiveAvgPool2d((7,7))) and classifier.",
    "resnet18": "BasicBlock: residual add (out += identity) then the block's ReLU module is called a "
    "second time (one ReLU module, two rows per block). forward(): torch.flatten after avgpool.",
    "resnet50": "Bottleneck: residual add then the block's single ReLU module runs again (three ReLU rows "
    "per block from one module). forward(): torch.flatten after avgpool.",
    "googlenet": "BasicConv2d.forward applies F.relu (functional, no ReLU module). Inception blocks "
    "torch.cat four branches on dim 1. Pools are nn.MaxPool2d(..., ceil_mode=True) modules. "
    "forward(): torch.flatten after avgpool. transform_input=False when weights=None.",
    "inception_v3": "BasicConv2d.forward applies F.relu (functional). InceptionA/C/E use F.avg_pool2d("
    "kernel_size=3, stride=1, padding=1) and InceptionB/D use F.max_pool2d(kernel_size=3, stride=2) "
    "functionally (no module, no hook); branches are joined with torch.cat(dim=1). "
    "forward(): torch.flatten after avgpool. transform_input=False when weights=None.",
    "mobilenet_v2": "forward(): nn.functional.adaptive_avg_pool2d(x, (1, 1)) and torch.flatten(x, 1) "
    "are functional (no pooling module at all). InvertedResidual with use_res_connect adds x + conv(x).",
    "squeezenet1_0": "Fire.forward torch.cat's expand1x1 and expand3x3 outputs. forward(): "
    "torch.flatten(x, 1) after the classifier (AdaptiveAvgPool2d((1,1)) is inside classifier). "
    "MaxPool2d modules use ceil_mode=True.",
    "densenet121": "DenseLayer: torch.cat of all previous features. DenseNet.forward: F.relu(features, "
    "inplace=True), F.adaptive_avg_pool2d(out, (1, 1)), torch.flatten(out, 1) are functional. "
    "features.norm5 is the last module before those.",
}

CONVENTIONS = {
    "shapes": "input_shape/output_shape exclude the batch dimension (batch is 1 throughout).",
    "params": "sum(p.numel() for p in model.parameters()); per row: the module's own parameters "
    "(recurse=False).",
    "buffers": "sum of numel over model.buffers(); buffers_excl_num_batches_tracked leaves out the "
    "BatchNorm num_batches_tracked scalars (one per BN layer).",
    "macs": "Conv: weight.numel() * output spatial positions = out_ch*(in_ch/groups)*kh*kw*OH*OW. "
    "Linear: in_features*out_features * prod(leading output dims). No bias, nothing else counted.",
    "bias_adds": "Conv/Linear with bias: bias.numel() * output spatial positions (Linear: * prod(leading "
    "output dims)). 0 otherwise.",
    "norm_params": "For BatchNorm rows: the affine parameter count (2*C); torchinfo adds this (times "
    "the batch size) to its mult-adds.",
    "torchinfo_mult_adds": "torchinfo 1.8 LayerInfo.calculate_macs for batch 1: for modules whose class "
    "name contains 'Conv': (weight.numel()+bias.numel()) * OH*OW; for any other module with "
    "parameters (Linear, BatchNorm): params * batch(=1), i.e. BatchNorm adds 2*C and Linear "
    "in*out+out regardless of leading dims. Equals macs + bias_adds + norm_params here. Checked "
    "once by hand against torchinfo==1.8.0 summary(..., mode='eval').total_mult_adds: identical "
    "for all 10 models (torchinfo is not needed to run this script).",
    "published_ops_gflops": "torchvision weights meta['_ops'] (labelled GFLOPS by torchvision). For all "
    "10 models it equals round(macs / 1e9, 3) -- plain conv+linear weight MACs, no bias, no norm, "
    "no pooling/activation/add terms. It is NOT torchinfo's mult-adds: alexnet, vgg11, vgg16 and "
    "squeezenet1_0 (the models with conv biases) tell them apart (e.g. vgg16 macs 15.470 G vs "
    "torchinfo 15.484 G); for the bias-free-conv models all three conventions round alike.",
    "reproduces_published": "filled in by the script: which of macs, macs+bias_adds, torchinfo_mult_adds "
    "rounds (to the 3 decimals torchvision publishes) to meta['_ops'].",
    "functional_calls": "torch functions / Tensor methods returning a tensor that were called in "
    "forward() outside every leaf module (TorchFunctionMode), in execution order; 'in' lists "
    "the tensor arguments' shapes (no batch; a list of tensors, as for torch.cat, is a nested list), "
    "'args' the other arguments keyed by positional index (as a string) or keyword name, as "
    "received by the dispatched function (F.max_pool2d shows its filled-in defaults), 'scope' the "
    "innermost non-leaf module running ('<root>' = the model's own forward).",
    "seq": "position of a layers row or functional_calls entry in one shared execution order (merge "
    "the two lists by seq to replay the forward pass).",
    "min_input": "smallest H (=W) in 1..400 such that model(torch.zeros(1, C, H, H)) in eval mode runs "
    "without RuntimeError/ValueError, and the output shape at that H.",
}


def shape(t):
    return list(t.shape[1:])


def ctor_args(m: nn.Module) -> dict:
    """Key constructor arguments of a leaf module, JSON-friendly."""
    out = {}
    if isinstance(m, nn.modules.conv._ConvNd):
        out.update(
            in_channels=m.in_channels,
            out_channels=m.out_channels,
            kernel_size=list(m.kernel_size),
            stride=list(m.stride),
            padding=m.padding if isinstance(m.padding, str) else list(m.padding),
            dilation=list(m.dilation),
            groups=m.groups,
            bias=m.bias is not None,
            padding_mode=m.padding_mode,
        )
    elif isinstance(m, nn.Linear):
        out.update(in_features=m.in_features, out_features=m.out_features, bias=m.bias is not None)
    elif isinstance(m, nn.modules.batchnorm._BatchNorm):
        out.update(
            num_features=m.num_features,
            eps=m.eps,
            momentum=m.momentum,
            affine=m.affine,
            track_running_stats=m.track_running_stats,
        )
    elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "count_include_pad",
                  "divisor_override"):
            if hasattr(m, k):
                v = getattr(m, k)
                out[k] = list(v) if isinstance(v, tuple) else v
    elif isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        v = m.output_size
        out["output_size"] = list(v) if isinstance(v, tuple) else v
    elif isinstance(m, nn.modules.dropout._DropoutNd):
        out.update(p=m.p, inplace=m.inplace)
    elif isinstance(m, (nn.ReLU, nn.ReLU6)):
        out["inplace"] = m.inplace
    elif isinstance(m, nn.Flatten):
        out.update(start_dim=m.start_dim, end_dim=m.end_dim)
    elif isinstance(m, nn.LocalResponseNorm):
        out.update(size=m.size, alpha=m.alpha, beta=m.beta, k=m.k)
    return out


def layer_counts(m: nn.Module, out: torch.Tensor) -> dict:
    own = sum(p.numel() for p in m.parameters(recurse=False))
    macs = bias_adds = norm_params = 0
    if isinstance(m, nn.modules.conv._ConvNd):
        positions = math.prod(out.shape[2:])
        macs = m.weight.numel() * positions
        bias_adds = (m.bias.numel() if m.bias is not None else 0) * positions
    elif isinstance(m, nn.Linear):
        lead = math.prod(out.shape[1:-1])  # leading dims except batch
        macs = m.in_features * m.out_features * lead
        bias_adds = (m.bias.numel() if m.bias is not None else 0) * lead
    elif isinstance(m, nn.modules.batchnorm._BatchNorm):
        norm_params = own
    # torchinfo 1.8 LayerInfo.calculate_macs, batch 1
    ti = 0
    for name, p in m.named_parameters(recurse=False):
        if name in ("weight", "bias"):
            if "Conv" in type(m).__name__:
                ti += p.numel() * math.prod(out.shape[2:])
            else:
                ti += p.numel() * out.shape[0]
        elif "weight" in name or "bias" in name:
            ti += math.prod(out.shape[:2]) * p.numel()
    return {"params": own, "macs": macs, "bias_adds": bias_adds, "norm_params": norm_params,
            "torchinfo_mult_adds": ti}


def jsonable(v):
    if isinstance(v, torch.Tensor):
        return {"tensor": shape(v)}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    return repr(v)


class Trace:
    """Forward hooks on every module + a TorchFunctionMode for functional ops."""

    SKIP = {"size", "dim", "numel", "__get__", "__set__", "is_floating_point", "__len__"}

    def __init__(self, model: nn.Module):
        self.model = model
        self.rows: list[dict] = []
        self.functional: list[dict] = []
        self.stack: list[tuple[str, bool]] = []  # (name, is_leaf)
        self.handles = []
        self.seq = -1
        for name, m in model.named_modules():
            leaf = len(list(m.children())) == 0
            self.handles.append(m.register_forward_pre_hook(self._pre(name or "<root>", leaf)))
            self.handles.append(m.register_forward_hook(self._post(name, m, leaf)))

    def _pre(self, name, leaf):
        def hook(mod, args):
            self.stack.append((name, leaf))
        return hook

    def _post(self, name, m, leaf):
        def hook(mod, args, out):
            self.stack.pop()
            if not leaf:
                return
            x = next((a for a in args if isinstance(a, torch.Tensor)), None)
            row = {
                "seq": self.next_seq(),
                "name": name,
                "type": type(m).__name__,
                "args": ctor_args(m),
                "in": shape(x) if x is not None else None,
                "out": shape(out),
            }
            row.update(layer_counts(m, out))
            self.rows.append(row)
        return hook

    def next_seq(self):
        self.seq += 1
        return self.seq

    def in_leaf(self):
        return any(leaf for _, leaf in self.stack)

    def scope(self):
        return self.stack[-1][0] if self.stack else "<root>"

    def remove(self):
        for h in self.handles:
            h.remove()


def func_name(func, name: str) -> str:
    """Stable dotted name: torch.cat, torch.nn.functional.relu, Tensor.add_ ..."""
    if getattr(torch.Tensor, name, None) is func:
        return f"Tensor.{name}"
    if getattr(torch.nn.functional, name, None) is func:
        return f"torch.nn.functional.{name}"
    if getattr(torch, name, None) is func:
        return f"torch.{name}"
    mod = getattr(func, "__module__", None) or ""
    return f"{mod}.{name}" if mod else name


class FunctionalLogger(TorchFunctionMode):
    def __init__(self, trace: Trace):
        super().__init__()
        self.trace = trace

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = getattr(func, "__name__", repr(func))
        if (not self.trace.in_leaf() and isinstance(out, torch.Tensor)
                and name not in Trace.SKIP and self.trace.stack):
            fname = func_name(func, name)
            tensors = []
            for a in list(args) + list(kwargs.values()):
                if isinstance(a, torch.Tensor):
                    tensors.append(shape(a))
                elif isinstance(a, (list, tuple)) and a and all(isinstance(t, torch.Tensor) for t in a):
                    tensors.append([shape(t) for t in a])
            other = {}
            for i, a in enumerate(args):
                if not isinstance(a, torch.Tensor) and not (
                        isinstance(a, (list, tuple)) and a and isinstance(a[0], torch.Tensor)):
                    other[str(i)] = jsonable(a)
            for k, a in kwargs.items():
                if not isinstance(a, torch.Tensor):
                    other[k] = jsonable(a)
            self.trace.functional.append({
                "seq": self.trace.next_seq(),
                "func": fname,
                "scope": self.trace.scope(),
                "in": tensors,
                "args": other,
                "out": shape(out),
            })
        return out


def build(fn, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = fn(weights=None, **kwargs)
    return m.eval()


def run_once(model, chw):
    with torch.no_grad():
        return model(torch.zeros(1, *chw))


def min_input(model, channels, limit=400):
    for h in range(1, limit + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = run_once(model, (channels, h, h))
        except (RuntimeError, ValueError):
            continue
        return h, shape(out)
    return None, None


def published(entry: str):
    enum_name, member = entry.split(".")
    meta = getattr(getattr(models, enum_name), member).meta
    return {
        "weights": entry,
        "num_params": meta.get("num_params"),
        "_ops": meta.get("_ops"),
        "min_size": list(meta["min_size"]) if "min_size" in meta else None,
        "_file_size": meta.get("_file_size"),
    }


def buffers(model):
    total = excl = 0
    for name, b in model.named_buffers():
        total += b.numel()
        if not name.endswith("num_batches_tracked"):
            excl += b.numel()
    return total, excl


def analyse(name, fn, kwargs, chw, entry):
    model = build(fn, kwargs)
    trace = Trace(model)
    with FunctionalLogger(trace):
        out = run_once(model, chw)
    trace.remove()
    rows = trace.rows
    params = sum(p.numel() for p in model.parameters())
    buf_total, buf_excl = buffers(model)
    macs = sum(r["macs"] for r in rows)
    bias_adds = sum(r["bias_adds"] for r in rows)
    norm_params = sum(r["norm_params"] for r in rows)
    ti = sum(r["torchinfo_mult_adds"] for r in rows)
    assert ti == macs + bias_adds + norm_params, name
    pub = published(entry)
    candidates = {"macs": macs, "macs+bias_adds": macs + bias_adds, "torchinfo_mult_adds": ti}
    repro = [k for k, v in candidates.items() if round(v / 1e9, 3) == pub["_ops"]]
    hmin, out_min = min_input(model, chw[0])
    return {
        "builder": f"torchvision.models.{fn.__name__}",
        "kwargs": {"weights": None, **kwargs},
        "input_shape": list(chw),
        "output_shape": shape(out),
        "params": params,
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": buf_total,
        "buffers_excl_num_batches_tracked": buf_excl,
        "macs": macs,
        "bias_adds": bias_adds,
        "norm_params": norm_params,
        "torchinfo_mult_adds": ti,
        "published": pub,
        "reproduces_published": repro,
        "min_input": {"hw": hmin, "output_shape": out_min},
        "notes": NOTES.get(name, ""),
        "n_leaf_calls": len(rows),
        "layers": rows,
        "functional_calls": trace.functional,
    }


def analyse_aux(fn, kwargs, heads):
    model = build(fn, kwargs)
    params = sum(p.numel() for p in model.parameters())
    head_params = {h: sum(p.numel() for p in getattr(model, h).parameters()) for h in heads}
    buf_total, buf_excl = buffers(model)
    return {
        "builder": f"torchvision.models.{fn.__name__}",
        "kwargs": {"weights": None, **kwargs},
        "params": params,
        "aux_params": sum(head_params.values()),
        "aux_params_by_head": head_params,
        "params_without_aux": params - sum(head_params.values()),
        "buffers": buf_total,
        "buffers_excl_num_batches_tracked": buf_excl,
        "notes": "Aux heads run only in training mode; eval-mode shapes and MACs equal the "
        "aux_logits=False model's.",
    }


def dump(data) -> str:
    """Compact JSON: one line per model field, one line per layer row."""
    lines = ["{"]
    top = list(data.items())
    for i, (k, v) in enumerate(top):
        comma = "," if i < len(top) - 1 else ""
        if isinstance(v, dict) and k != "models":
            lines.append(f" {json.dumps(k)}: {{")
            kv = list(v.items())
            for n, (ck, cv) in enumerate(kv):
                lines.append(f"  {json.dumps(ck)}: {json.dumps(cv)}" + ("," if n < len(kv) - 1 else ""))
            lines.append(" }" + comma)
        elif k == "models":
            lines.append(' "models": {')
            items = list(v.items())
            for j, (mname, md) in enumerate(items):
                lines.append(f"  {json.dumps(mname)}: {{")
                fields = list(md.items())
                for n, (fk, fv) in enumerate(fields):
                    c2 = "," if n < len(fields) - 1 else ""
                    if isinstance(fv, list) and fv and isinstance(fv[0], dict):
                        lines.append(f"   {json.dumps(fk)}: [")
                        for r, row in enumerate(fv):
                            c3 = "," if r < len(fv) - 1 else ""
                            lines.append("    " + json.dumps(row, separators=(",", ":")) + c3)
                        lines.append("   ]" + c2)
                    else:
                        lines.append(f"   {json.dumps(fk)}: {json.dumps(fv, separators=(',', ':'))}{c2}")
                lines.append("  }" + ("," if j < len(items) - 1 else ""))
            lines.append(" }" + comma)
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "tests", "data", "torchvision_reference.json")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.normpath(default_out))
    ap.add_argument("--only", nargs="*", help="restrict to these model names")
    a = ap.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    result = {}
    for name, (fn, kwargs, chw, entry) in MODELS.items():
        if a.only and name not in a.only:
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        result[name] = analyse(name, fn, kwargs, chw, entry)
    for name, (fn, kwargs, heads) in AUX_MODELS.items():
        if a.only and name not in a.only:
            continue
        result[name] = analyse_aux(fn, kwargs, heads)
    common = None
    for md in result.values():
        if "reproduces_published" in md:
            r = set(md["reproduces_published"])
            common = r if common is None else common & r
    data = {
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "generator": "tools/torchvision_reference.py",
        "conventions": CONVENTIONS,
        "published_ops_reproduced_by": sorted(common or []),
        "models": result,
    }
    os.makedirs(os.path.dirname(a.output), exist_ok=True)
    with open(a.output, "w") as f:
        f.write(dump(data))
    print(f"wrote {a.output}", file=sys.stderr)
    for name, md in result.items():
        if "macs" in md:
            print(f"{name:16s} params={md['params']:>11,} macs={md['macs']:>15,} "
                  f"+bias={md['macs'] + md['bias_adds']:>15,} torchinfo={md['torchinfo_mult_adds']:>15,} "
                  f"pub_ops={md['published']['_ops']} pub_params={md['published']['num_params']:,} "
                  f"repro={md['reproduces_published']} min={md['min_input']['hw']}"
                  f" (meta min_size {md['published']['min_size']})", file=sys.stderr)
        else:
            print(f"{name:16s} params={md['params']:>11,} aux={md['aux_params']:,}", file=sys.stderr)


if __name__ == "__main__":
    main()
