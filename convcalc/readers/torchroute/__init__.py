"""The torch route (``--torch``, ``convcalc verify``): build the model with PyTorch, on the meta device, and
read what it does into convcalc's graph.

Opt-in because it runs the user's code. The model is built under ``with torch.device("meta"):`` (its
parameters take no memory: a billion-parameter model reads in seconds), run on meta tensors of ``--input``,
and recorded op by op — by ``torch.fx`` symbolic tracing where forward() can be traced, else by module
hooks and a ``TorchFunctionMode`` (:mod:`.trace`). The record becomes the plain spec data every reader
produces (:mod:`.tospec`), so convcalc's engine — receptive fields, the dense comparison, checks, every
output format — runs on top of what torch itself did. What convcalc has no formula for is an ``opaque``
node with torch's measured numbers (:mod:`.measured`).

Nothing outside this package imports torch, and this package is imported only for ``--torch`` and
``verify``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import inspect
import re
import warnings

from ...errors import NetworkError, SpecError

__all__ = ["INSTALL", "NetworkError", "SpecError", "available", "read", "read_static", "require"]
from ...graph import Network

INSTALL = "pip install 'convcalc[torch]'"


def available() -> bool:
    """Whether torch can be imported (without importing it)."""
    return importlib.util.find_spec("torch") is not None


def require(what: str = "--torch") -> None:
    if not available():
        raise SpecError(f"{what} needs PyTorch, which is not installed: {INSTALL}")


def _import_torch():
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # torch without numpy: not our concern
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Failed to initialize NumPy" and the like: not the user's concern
        import torch
        import torch.fx  # noqa: F401
    return torch


@contextlib.contextmanager
def _fast_meta(torch):
    """Run meta kernels without importing torch._dynamo (2–3 s).

    torch's Python meta kernels (``relu``, ``add``, ``batch_norm``, ``normal_``, … on the meta device) are
    wrapped in ``torch._disable_dynamo``, which imports torch._dynamo at its first call only to wrap the
    kernel in ``torch._dynamo.disable`` — a no-op outside ``torch.compile``. While tracing, a stand-in module
    gives back the kernel unwrapped; anything else asked of it imports the real torch._dynamo. Afterwards the
    kernels are left as they were (the next call outside wraps them for real).

    Without numpy installed, torch's meta kernels also try ``import numpy`` at every call (a search of
    sys.path each time: seconds for an LSTM); while tracing, that import fails at once instead."""
    import sys

    no_numpy = "numpy" not in sys.modules and importlib.util.find_spec("numpy") is None
    if no_numpy:  # torch's meta kernels try `import numpy` at every call: without it, each is a path search
        sys.modules["numpy"] = None  # type: ignore[assignment]  (an instant ModuleNotFoundError)
    try:
        if "torch._dynamo" in sys.modules:
            yield
        else:
            with _stand_in_dynamo(torch, sys):
                yield
    finally:
        if no_numpy and sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]


@contextlib.contextmanager
def _stand_in_dynamo(torch, sys):
    import types

    unwrapped: list = []
    stub = types.ModuleType("torch._dynamo")

    def disable(fn=None, recursive=True, *args, **kwargs):
        if fn is None:
            return lambda f: disable(f, recursive, *args, **kwargs)
        unwrapped.append(fn)
        return fn

    def real(name):
        sys.modules.pop("torch._dynamo", None)
        if getattr(torch, "_dynamo", None) is stub:
            delattr(torch, "_dynamo")
        import importlib

        return getattr(importlib.import_module("torch._dynamo"), name)

    stub.disable = disable
    stub.__getattr__ = real  # PEP 562: what the stand-in does not have, the real module gives
    sys.modules["torch._dynamo"] = stub
    torch._dynamo = stub
    try:
        yield
    finally:
        if sys.modules.get("torch._dynamo") is stub:
            del sys.modules["torch._dynamo"]
        if getattr(torch, "_dynamo", None) is stub:
            delattr(torch, "_dynamo")
        for fn in unwrapped:
            if getattr(fn, "__dynamo_disable", None) is fn:
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(fn, "__dynamo_disable")


def read(source: str, *, input_text: str | None = None, aux: bool = False) -> Network:
    """Build ``source`` with torch on the meta device, trace it on ``--input`` and return convcalc's Network.

    Raises :class:`SpecError` (exit 2) for a source that cannot be built or run, :class:`NetworkError`
    (exit 1) where torch itself refuses the input."""
    require()
    torch = _import_torch()
    from . import measured  # noqa: F401  (registers the opaque kind)
    from .source import parse

    src = parse(source)
    with _fast_meta(torch):
        return _read(torch, src, input_text, aux)


def _read(torch, src, input_text: str | None, aux: bool) -> Network:
    from ...build import from_data
    from .source import build
    from .tospec import to_spec
    from .trace import TraceFailure, fx_trace, hook_trace

    built = build(src)
    model = built.model
    model.train(aux)  # --aux: the training-mode forward, where auxiliary heads run
    notes: list[tuple[str | None, str]] = [(None, n) for n in built.notes]
    names, shapes, note = _inputs(model, input_text, built.example, src.origin)
    if note:
        notes.append((None, note))
    failure = None
    trace = None
    dtypes = [torch.float32, torch.long]
    for dtype in dtypes:
        tensors = [(n, torch.empty((1, *s), device="meta", dtype=dtype)) for n, s in zip(names, shapes)]
        try:
            _materialize(torch, model, [t for _, t in tensors])
        except Exception as exc:
            if dtype is torch.float32 and re.search(r"\b(Long|Int|indices|integer)\b", str(exc)):
                continue
            raise _refusal(src.text, exc, shapes) from None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trace = fx_trace(model, tensors)
            break
        except TraceFailure as exc:
            failure = str(exc)
        except Exception as exc:  # fx cannot trace this forward(): run it with hooks instead
            failure = _one_line(exc)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trace = hook_trace(model, tensors)
            trace.failure = failure
            break
        except TraceFailure as exc:
            raise SpecError(f"{src.text}: {exc}") from None
        except Exception as exc:
            if dtype is torch.float32 and re.search(r"\b(Long|Int|indices|integer)\b", str(exc)):
                continue  # token ids: an embedding wants integers
            raise _refusal(src.text, exc, shapes) from None
    if trace is None:  # pragma: no cover - the loop either breaks or raises
        raise SpecError(f"{src.text}: cannot run the model on meta tensors")
    if trace.method == "hooks":
        notes.append((None, f"torch.fx cannot trace {built.name}.forward() ({trace.failure}); read by running it "
                            "on meta tensors with module hooks"))
    data, more = to_spec(trace, built.name)
    network = from_data(data, origin=src.text)
    return dataclasses.replace(network, notes=tuple(notes + more))


def _materialize(torch, model, tensors) -> None:
    """Lazy modules (``nn.LazyLinear``) get their parameters at their first call: make it, once."""
    from torch.nn.parameter import is_lazy

    if any(is_lazy(p) for p in model.parameters()) or any(is_lazy(b) for b in model.buffers()):
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model(*tensors)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:157] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _refusal(source: str, exc: BaseException, shapes) -> Exception:
    """What forward() raised on meta tensors: torch refusing this input (exit 1), or the model not running on
    the meta device at all (exit 2)."""
    from ...layers import dims

    shown = ", ".join(dims(s) for s in shapes)
    text = _one_line(exc)
    if isinstance(exc, (NotImplementedError, TypeError)) or "meta" in str(exc).lower():
        return SpecError(f"{source}: forward() cannot run on meta tensors of {shown}: {text}",
                         hint="--torch runs the model on the meta device; code that needs real values (.item(), "
                              "data-dependent branches, loading weights) cannot run there")
    return NetworkError(f"{source}: torch refuses the input {shown}: {text}",
                        hint="check --input: the shape forward() is called on, without the batch dim")


def _inputs(model, input_text: str | None, example, origin: str):
    """forward()'s tensor arguments and a shape (without batch) for each, from --input or the example call the
    model's file makes; and a note saying where the shapes came from."""
    from ...build import parse_named_shapes, parse_shape
    from ...errors import did_you_mean

    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p.name for p in positional if p.default is p.empty] or ["x"]
    if input_text is not None and "=" in input_text:
        by_name = parse_named_shapes(input_text)
        known = [p.name for p in positional]
        for name in by_name:
            if name not in known:
                raise SpecError(f"--input: forward() has no argument named {name!r}",
                                hint=did_you_mean(name, known) or f"its arguments are: {', '.join(known)}")
        names = [p for p in known if p in by_name]
        missing = [n for n in required if n not in by_name]
        if missing:
            raise SpecError(f"--input: no shape for forward()'s argument{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)}", hint="give NAME=SHAPE for each: " +
                                                          " ".join(f"{n}=CxHxW" for n in required))
        if names != known[:len(names)]:
            raise SpecError("--input: give forward()'s arguments in order, leaving out only trailing ones",
                            hint=f"forward({', '.join(known)})")
        return names, [by_name[n] for n in names], None
    if input_text is not None:
        shape = parse_shape(input_text, "--input")
        return required, [shape] * len(required), None
    if example and all(s is not None and len(s) >= 2 for s in example):
        shapes = [tuple(s[1:]) for s in example]
        from ...layers import dims

        return (required + [f"x{i}" for i in range(len(required), len(shapes))])[:len(shapes)], shapes, \
            f"input {', '.join(dims(s) for s in shapes)} taken from the call {origin} makes of the model"
    raise SpecError("--torch needs --input: the shape forward() takes, without the batch dim",
                    hint="e.g. --input 3x224x224" + (f" (or {' '.join(n + '=CxHxW' for n in required)})"
                                                     if len(required) > 1 else ""))


def read_static(source: str, *, input_text: str | None = None, aux: bool = False) -> Network:
    """The torch-free reading of the same source, for ``verify``: the code read with ``ast``, never run.

    ``model.py`` is read as it is; ``model.py:Net`` / ``model.py:"Net(10)"`` as the file with
    ``model = Net()`` / ``model = Net(10)`` after it (the reader takes the last model a file builds), or with
    the reader's own ``choice`` where ``read_file`` takes one. A module's own source file is read the same way
    when it is the user's (not an installed package's); an installed package's model is the expression alone
    after ``from module import *`` (``torch.nn:"Sequential(Conv2d(1, 6, 5), ReLU())"``)."""
    from pathlib import Path

    from ...build import parse_named_shapes, parse_shape
    from .. import read_file, read_text
    from .source import parse

    src = parse(source)
    by_name = parse_named_shapes(input_text) if input_text is not None and "=" in input_text else None
    shape = parse_shape(input_text, "--input") if input_text is not None and by_name is None else None
    path = src.path
    if path is None:
        try:
            spec = importlib.util.find_spec(src.module)
        except (ImportError, ValueError) as exc:
            raise SpecError(f"{src.module}: cannot find it: {exc}") from None
        origin = spec.origin if spec is not None else None
        installed = origin is None or not origin.endswith(".py") or any(
            part in ("site-packages", "dist-packages") for part in Path(origin).parts)
        if installed:
            if src.selector is None:
                raise SpecError(f"{src.module}: name the model in it: {src.module}:NAME or {src.module}:\"EXPR\"")
            call = src.expression or f"{src.attribute}()"
            name = src.attribute or "*"
            text = f"from {src.module} import {name}\n\nmodel = {call}\n"
            network = read_text(text, source, fmt="pytorch-code", input_shape=shape, aux=aux)
            return network.with_inputs(by_name=by_name) if by_name else network
        path = Path(origin)
    if src.selector is None:
        network = read_file(path, input_shape=shape, aux=aux, fmt="pytorch-code")
    elif "choice" in inspect.signature(read_file).parameters:
        network = read_file(path, input_shape=shape, aux=aux, fmt="pytorch-code", choice=src.selector)
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"{path}: cannot read: {exc}") from None
        call = src.expression or _call_of(text, src.attribute)
        if call is None:  # a model object the file builds: the reader takes the last one, as it is
            network = read_text(text, str(path), fmt="pytorch-code", input_shape=shape, aux=aux)
        else:
            network = read_text(f"{text}\n\nmodel = {call}\n", str(path), fmt="pytorch-code", input_shape=shape,
                                aux=aux)
    if by_name:
        network = network.with_inputs(by_name=by_name)
    return network


def _call_of(text: str, attribute: str) -> str | None:
    """``Net()`` where ``attribute`` is a class or function the file defines; None for anything else."""
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return f"{attribute}()"
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == attribute:
            return f"{attribute}()"
    return None
