"""Named blocks: a block written once with parameters, used by name.

A spec may define its own under ``blocks:``::

    blocks:
      basic_conv:                      # torchvision's BasicConv2d
        params: {out: null, kernel: null, stride: 1, padding: 0}   # null: required
        type: sequential
        layers:
          - {type: conv2d, out_channels: $out, kernel_size: $kernel, stride: $stride, padding: $padding, bias: false}
          - {type: batchnorm2d, eps: 0.001}
          - relu

and use it as ``{type: basic_conv, out: 64, kernel: 7, stride: 2, padding: 3}``. A value
that is exactly ``$name`` is replaced by the argument (of any type). The usage's row
has the template's name as its type and its arguments as settings.

``inception`` is built in, with torchvision's argument names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import SpecError
from .records import record

REQUIRED = None  #: a parameter whose default is null must be given


@record(frozen=True)
class Template:
    name: str
    params: dict[str, Any]  #: name → default, in positional order; None = required
    expand: Callable[[dict[str, Any]], Mapping]  #: arguments → block data (a mapping with a block 'type')
    sizing: tuple[str, ...] = ()  #: optional input-size parameters, left out of the short positional form


def substitute(data: Any, args: Mapping[str, Any]) -> Any:
    """Replace every ``"$name"`` value in ``data`` with ``args[name]``."""
    if isinstance(data, str) and data.startswith("$") and data[1:] in args:
        return args[data[1:]]
    if isinstance(data, list):
        return [substitute(v, args) for v in data]
    if isinstance(data, Mapping):
        return {k: substitute(v, args) for k, v in data.items()}
    return data


def from_definition(name: str, definition: Any) -> Template:
    """A spec's ``blocks:`` entry → Template."""
    where = f"blocks.{name}"
    if not isinstance(definition, Mapping):
        raise SpecError(f"{where}: a block definition must be a mapping with 'type' and its layers")
    params = definition.get("params", {}) or {}
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise SpecError(f"{where}: 'params' must map parameter names to defaults (null = required)")
    body = {k: v for k, v in definition.items() if k != "params"}
    if "type" not in body:
        raise SpecError(f"{where}: missing 'type' (sequential, concat or add)")
    return Template(name=name, params=dict(params), expand=lambda args: substitute(body, args))


def bind(template: Template, item: Mapping, path: str) -> dict[str, Any]:
    """The arguments of one usage: given values over defaults; unknown or missing ones are errors."""
    from .errors import did_you_mean

    args = {}
    for key, value in item.items():
        if key in ("type", "name", "trainable"):
            continue
        if key not in template.params:
            raise SpecError(f"{template.name}: unknown argument {key!r}", path=path,
                            hint=did_you_mean(key, template.params) or f"{template.name} takes: "
                            + ", ".join(template.params))
        args[key] = value
    for key, default in template.params.items():
        if key not in args:
            if default is REQUIRED and key not in template.sizing:
                raise SpecError(f"{template.name}: missing required argument {key!r}", path=path)
            args[key] = default
    return args


# ----------------------------------------------------------------------------
# inception (Szegedy et al. 2014; torchvision.models.googlenet.Inception)
# ----------------------------------------------------------------------------
def _inception(a: dict[str, Any]) -> Mapping:
    conv = a["conv"]
    if conv not in ("relu", "bn-relu"):
        raise ValueError(f"conv must be 'relu' (conv + ReLU, the paper) or 'bn-relu' (conv without bias + "
                         f"BatchNorm + ReLU, torchvision), got {conv!r}")
    bias = conv == "relu" if a["bias"] == "auto" else a["bias"]

    def unit(out, kernel, padding=0, first=False):
        layers = [{"type": "conv2d", "out_channels": out, "kernel_size": kernel, "padding": padding, "bias": bias}]
        if first and a["in_channels"] is not None:
            layers[0]["in_channels"] = a["in_channels"]
        if conv == "bn-relu":
            layers.append({"type": "batchnorm2d", "eps": a["bn_eps"]})
        layers.append("relu")
        return layers

    k = a["kernel"]
    pad = k // 2 if isinstance(k, int) and not isinstance(k, bool) else 0
    return {"type": "concat", "branches": [
        unit(a["ch1x1"], 1, first=True),
        unit(a["ch3x3red"], 1, first=True) + unit(a["ch3x3"], 3, 1),
        unit(a["ch5x5red"], 1, first=True) + unit(a["ch5x5"], k, pad),
        [{"type": "maxpool2d", "kernel_size": a["pool_kernel"], "stride": a["pool_stride"],
          "padding": a["pool_padding"], "ceil_mode": a["pool_ceil_mode"]}] + unit(a["pool_proj"], 1, first=True),
    ]}


BUILTIN: dict[str, Template] = {
    "inception": Template(
        name="inception",
        params={"in_channels": None, "ch1x1": None, "ch3x3red": None, "ch3x3": None, "ch5x5red": None, "ch5x5": None,
                "pool_proj": None, "kernel": 5, "conv": "relu", "bias": "auto", "bn_eps": 0.001, "pool_kernel": 3,
                "pool_stride": 1, "pool_padding": 1, "pool_ceil_mode": False},
        expand=_inception,
        sizing=("in_channels",),
    ),
}
