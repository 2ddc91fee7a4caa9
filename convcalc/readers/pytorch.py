"""Reading PyTorch: the text ``print(model)`` shows, and Python source that defines layers.

Both become convcalc's plain spec data — what a YAML spec holds — plus warnings. The text is
read with :mod:`ast` and regular expressions: it is never executed, and torch is not needed::

    >>> data, warnings = read("nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())", "pytorch-code", "<stdin>")
    >>> data["layers"]
    [{'type': 'conv2d', 'in_channels': 1, 'out_channels': 6, 'kernel_size': 5}, {'type': 'relu'}]

``pytorch-repr`` — what ``print(model)`` shows::

    Net(
      (conv): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
      (features): Sequential(
        (0): ReLU(inplace=True)
      )
      (heads): ModuleList(
        (0-1): 2 x Linear(in_features=400, out_features=400, bias=True)   # ModuleList's short form
      )
    )

Named keys (``conv``) become the layer's ``name``; numeric keys are positions, not names. A
torch container (``Sequential``, ``ModuleList``, ``ModuleDict``) becomes a ``sequential`` block;
so does a custom module printed with children (``Net(``, ``BasicBlock(``), whose forward()
nobody can see: its children are assumed to run in order, and a warning says so.

``pytorch-code`` — Python source, read by :mod:`convcalc.readers.torchcode`: a bounded interpreter over
``ast`` builds the model as the file does (loops, helper methods, cfg tables, factories, classes as
arguments …) and traces its ``forward()`` into the graph. Never executed. A snippet that feeds its model
``torch.rand(size=(1, 1, 28, 28))`` also gives the spec's input.

Two guesses stand in for what forward() usually does, each stated in a warning:

* a module with a child named ``downsample`` or ``shortcut`` (torchvision's BasicBlock and
  Bottleneck) is read as a residual ``add``: its other children, added to that shortcut;
* a Linear that follows spatial layers inside a custom module gets a ``flatten`` before it
  (the ``torch.flatten(x, 1)`` or ``x.view(x.size(0), -1)`` of forward()).
"""

from __future__ import annotations

import ast
import re
import warnings

from .. import layers as L
from ..errors import SpecError

KINDS = ("pytorch-repr", "pytorch-code")

Warnings = list[tuple[str | None, str]]


def detect(text: str) -> str | None:
    """``'pytorch-repr'`` for the text ``print(model)`` shows, ``'pytorch-code'`` for Python source defining
    layers (an ``nn.Sequential`` expression or a module with ``__init__`` assignments), else None.

    >>> detect("Sequential(\\n  (0): ReLU()\\n)")
    'pytorch-repr'
    >>> detect("model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))")
    'pytorch-code'
    >>> detect("layers: [conv2d, relu]") is None
    True
    """
    if (re.search(r"^\s*\([^()\n]*\): (\d+ x )?[A-Za-z_][\w.]*\(", text, re.M)
            and re.search(r"^\s*[A-Za-z_][\w.]*\(\s*$", text, re.M)):
        return "pytorch-repr"
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # broken Python that is clearly PyTorch: read() reports the syntax error and its line
        # (outside comments: a YAML spec may mention nn.Sequential in a comment)
        marker = r"^\s*(import torch|from torch\b)|^[^#\n]*(\bnn\.(Module|Sequential)\b|\btorch\.nn\b)"
        return "pytorch-code" if re.search(marker, text, re.M) else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _last(node.func) == "Sequential":
            return "pytorch-code"
        if isinstance(node, ast.ClassDef) and _is_module_class(node):
            return "pytorch-code"
    return None


def read(text: str, kind: str, origin: str) -> tuple[dict, Warnings]:
    """Parse ``text`` (``kind`` as :func:`detect` tells) into convcalc's plain spec data
    ``{"name": ..., "layers": [...]}`` (plus ``"input"`` where the code shows one) and a list of
    ``(path or None, warning)``.

    Raises :class:`SpecError` for unusable text: a syntax error (with its line), an unknown layer class
    (with a did-you-mean), an argument that is not a literal.

    >>> data, _ = read("Sequential(\\n  (0): Linear(in_features=4, out_features=2, bias=True)\\n)", "pytorch-repr", "")
    >>> data["layers"]
    [{'type': 'linear', 'in_features': 4, 'out_features': 2, 'bias': True}]
    """
    if kind not in KINDS:
        raise SpecError(f"{origin}: unknown PyTorch text kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        if kind == "pytorch-repr":
            data, notes = _read_repr(text, origin)
        else:  # model code: convcalc's interpreter (.torchcode), forward() traced into the graph
            from .torchcode import read as read_code

            return read_code(text, origin)
    except RecursionError:
        raise SpecError(f"{origin}: the model is nested too deeply") from None
    return data, _warnings(data["layers"], notes)


# ----------------------------------------------------------------------------
# Shared by the readers: torch's argument order, ast helpers
# ----------------------------------------------------------------------------
#: a warning about an item (its path is known only once the whole tree is built), or (None, …) the model
Note = tuple[dict | None, str]


def torch_order(type_name: str) -> list[str]:
    """The positional order of torch's constructor, the input size included.

    >>> torch_order("leakyrelu")
    ['negative_slope', 'inplace']
    >>> torch_order("batchnorm2d")  # bias is keyword-only in torch
    ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats']
    """
    cls, _ = L.REGISTRY[type_name]
    accepts = getattr(cls, "ACCEPTS", None)
    if accepts is not None:  # activations: ACCEPTS lists torch's order
        return list(accepts.get(type_name, ()))
    return [f.name for f in L.arguments(cls) if not f.metadata["keyword_only"]]


def _parse(text: str, mode: str = "exec") -> ast.AST:
    """:func:`ast.parse` without the SyntaxWarnings it prints for odd literals (``1if``): text, not code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, mode=mode)


def _dotted(node: ast.AST) -> str:
    """``torch.nn.Conv2d`` → ``"torch.nn.Conv2d"``; anything else as written."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ast.unparse(node)


def _last(node: ast.AST) -> str:
    return _dotted(node).rsplit(".", 1)[-1]


# ----------------------------------------------------------------------------
# Warnings: from the items they concern to their paths
# ----------------------------------------------------------------------------
def _warnings(layers: list[dict], notes: list[Note]) -> Warnings:
    """Each note's item → its path; a message given for several items is given once, naming the others."""
    paths: dict[int, str] = {}

    def walk(items: list[dict], prefix: str) -> None:
        for i, item in enumerate(items):
            path = paths[id(item)] = f"{prefix}[{i}]"
            walk(item.get("layers", []), f"{path}.layers")
            for b, branch in enumerate(item.get("branches", [])):
                walk(branch, f"{path}.branches[{b}]")

    walk(layers, "layers")
    grouped: dict[str, list[str | None]] = {}
    for item, message in notes:
        grouped.setdefault(message, []).append(None if item is None else paths.get(id(item)))
    out: Warnings = []
    for message, where in grouped.items():
        others = [p for p in where[1:] if p]
        if others:
            listed = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            message += f" (the same for {len(others)} more: {listed})"
        out.append((where[0], message))
    return out


# ----------------------------------------------------------------------------
# print(model): read by .torchrepr (the vocabulary of torch.nn, torchvision and timm classes)
# ----------------------------------------------------------------------------
def _read_repr(text: str, origin: str) -> tuple[dict, list[Note]]:
    """``print(model)`` → (data, notes), by :func:`convcalc.readers.torchrepr.read_data`."""
    from .torchrepr import read_data

    return read_data(text, origin)


# ----------------------------------------------------------------------------
# Python source: read by .torchcode (a bounded interpreter over ast; forward() traced into the graph).
# What detect() needs to recognise model code stays here.
# ----------------------------------------------------------------------------
def _lineage(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]):
    """The class, then its first base defined in the text, and so on."""
    seen = set()
    while cls is not None and cls.name not in seen:
        seen.add(cls.name)
        yield cls
        cls = next((classes[_last(b)] for b in cls.bases if _last(b) in classes), None)


def _is_module_class(cls: ast.ClassDef, classes: dict[str, ast.ClassDef] | None = None) -> bool:
    """A subclass of ``nn.Module`` / ``nn.Sequential``, directly or through a class of ``classes``."""
    return any(_last(b).endswith(("Module", "Sequential")) for c in _lineage(cls, classes or {}) for b in c.bases)
