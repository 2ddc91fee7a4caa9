"""The source of ``--torch`` and ``verify``: which Python code builds the model, and building it on meta.

A source is one of::

    model.py                  the model the file builds: its last module-level nn.Module object, else
                              the last nn.Module class it defines that no other of its classes uses
    model.py:Net              an attribute of the file: a class or function is called without arguments
    model.py:"Net(10)"        an expression evaluated in the file's namespace
    pkg.models:build          the same, for an importable module
    torchvision.models:"resnet50()"

Everything runs under ``with torch.device("meta"):`` so that parameters take no memory and no time to
initialise; module-level ``print``s go to stderr and ``sys.argv`` is the file alone while the file runs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import SpecError

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_counter = iter(range(1, 1 << 30))


@dataclass
class Source:
    """A parsed source string."""

    text: str  #: as the user wrote it
    path: Path | None  #: the Python file, or None for a module
    module: str | None  #: the importable module's name, or None for a file
    attribute: str | None = None  #: ``Net`` of ``model.py:Net``
    expression: str | None = None  #: ``Net(10)`` of ``model.py:"Net(10)"``

    @property
    def origin(self) -> str:
        return str(self.path) if self.path is not None else self.module or self.text

    @property
    def selector(self) -> str | None:
        return self.expression or self.attribute


@dataclass
class Built:
    """The model built on the meta device, and what was seen while building it."""

    model: Any  #: the nn.Module
    name: str  #: how to call it in reports
    notes: list[str] = field(default_factory=list)
    example: tuple | None = None  #: the shapes of the first call of the model seen while its code ran


def parse(text: str) -> Source:
    """``model.py``, ``model.py:Net``, ``model.py:"Net(10)"``, ``pkg.mod:attr``, ``pkg.mod:"expr()"``."""
    raw = text.strip()
    base, sep, rest = raw.partition(":")
    if sep and len(base) == 1 and raw[2:3] in ("\\", "/"):  # a Windows drive letter: C:\models\net.py
        head, sep, rest = raw[2:].partition(":")
        base = raw[:2] + head
    rest = rest.strip()
    if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "\"'":
        rest = rest[1:-1].strip()
    attribute = expression = None
    if sep:
        if not rest:
            raise SpecError(f"{text}: nothing after ':'", hint='write model.py:Net or model.py:"Net(10)"')
        if _IDENTIFIER.fullmatch(rest):
            attribute = rest
        else:
            expression = rest
    path = Path(base)
    if base.endswith(".py") or path.is_file() or "/" in base or "\\" in base:
        if not path.is_file():
            raise SpecError(f"{base}: no such file", hint="--torch reads a Python file (model.py, model.py:Net) or "
                                                          'a module (pkg.models:build, torchvision.models:"resnet50()")')
        return Source(text, path, None, attribute, expression)
    if not sep:
        from ... import catalog

        if base in catalog.names():
            raise SpecError(f"{base} is a built-in model: it is read without --torch",
                            hint=f"convcalc params {base}; --torch takes Python code: model.py, pkg.module:build")
    if not _IDENTIFIER.fullmatch(base):
        raise SpecError(f"{text}: not a Python file or module name",
                        hint='write model.py, model.py:Net, model.py:"Net(10)" or pkg.models:"build(10)"')
    return Source(text, None, base, attribute, expression)


@contextlib.contextmanager
def _running_user_code(argv0: str):
    """While the user's code runs: its prints go to stderr (stdout carries convcalc's report), sys.argv is
    the file alone (a module-level argparse must not read convcalc's options)."""
    saved = sys.argv
    sys.argv = [argv0]
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.argv = saved


def _stay_on_meta_mode():
    import torch
    from torch.overrides import TorchFunctionMode

    moves = {torch.Tensor.to, torch.Tensor.cuda, torch.Tensor.cpu, torch.Tensor.pin_memory}

    class StayOnMeta(TorchFunctionMode):
        """``model.to(device)``, ``.cuda()``, ``.cpu()`` while the model is built: a meta tensor stays on meta (it
        has no data to move)."""

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func in moves and args and isinstance(args[0], torch.Tensor) and args[0].is_meta:
                try:
                    return func(*args, **kwargs)
                except (NotImplementedError, RuntimeError, AssertionError):
                    return args[0]
            return func(*args, **kwargs)

    return StayOnMeta()


class _StayOnMeta:
    def __enter__(self):
        self.mode = _stay_on_meta_mode()
        return self.mode.__enter__()

    def __exit__(self, *exc):
        return self.mode.__exit__(*exc)


def _first_calls(torch):
    """A global forward pre-hook recording each module's first call (by id): the example input a file feeds
    its model."""
    seen: dict[int, tuple] = {}

    def hook(module, args):
        if id(module) not in seen:
            seen[id(module)] = tuple(tuple(a.shape) if isinstance(a, torch.Tensor) else None for a in args)

    return seen, hook


def build(source: Source) -> Built:
    """Run the source's code on the meta device and return the model it builds."""
    import torch
    from torch import nn

    seen, hook = _first_calls(torch)
    handle = torch.nn.modules.module.register_module_forward_pre_hook(hook)
    notes: list[str] = []
    try:
        with torch.device("meta"), _StayOnMeta(), _running_user_code(source.origin):
            namespace, failure = _load(source)
            _notes.clear()
            try:
                model, name = _select(source, namespace, nn)
            except SpecError:
                if failure is not None:
                    raise SpecError(f"{source.origin}: running it raised {_describe(failure)}") from None
                raise
            if failure is not None:
                notes.append(f"{source.origin}: running it raised {_describe(failure)}; the model is built from "
                             "what it defined before that line")
            notes += _notes
    finally:
        handle.remove()
    if not isinstance(model, nn.Module):
        raise SpecError(f"{source.text}: gives a {type(model).__name__}, not an nn.Module",
                        hint='name a class, a function that returns the model, or write an expression: '
                             'model.py:"build(10)"')
    example = seen.get(id(model))
    return Built(model=model, name=name, notes=notes, example=example)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".py") and "site-packages" not in tb.tb_frame.f_code.co_filename:
            where = f" at line {tb.tb_lineno}"
        tb = tb.tb_next
    return f"{type(exc).__name__}{where}" + (f": {text}" if text else "")


def _load(source: Source) -> tuple[dict, BaseException | None]:
    """Execute the file (or import the module); its namespace, and what it raised (None when it ran through)."""
    if source.module is not None:
        try:
            module = importlib.import_module(source.module)
        except ImportError as exc:
            raise SpecError(f"{source.module}: cannot import it: {exc}",
                            hint="install the package that provides it, or give a Python file") from None
        except Exception as exc:
            raise SpecError(f"{source.module}: importing it raised {_describe(exc)}") from None
        return vars(module), None
    path = source.path.resolve()
    name = f"convcalc_torch_source_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError(f"{source.path}: cannot load it as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up by name
    folder = str(path.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)  # the file's own imports of its neighbours
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise SpecError(f"{source.path}: invalid Python at line {exc.lineno}: {exc.msg}") from None
    except (KeyboardInterrupt, SystemExit) as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return vars(module), exc
    except Exception as exc:
        return vars(module), exc
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)
    return vars(module), None


def _select(source: Source, namespace: dict, nn) -> tuple[Any, str]:
    """The model the source names (or the one the file builds)."""
    if source.expression is not None:
        try:
            value = eval(compile(source.expression, f"<{source.text}>", "eval"), dict(namespace))  # noqa: S307
        except SyntaxError as exc:
            raise SpecError(f"{source.text}: cannot read the expression {source.expression!r}: {exc.msg}") from None
        except Exception as exc:
            raise SpecError(f"{source.text}: evaluating {source.expression!r} raised {_describe(exc)}") from None
        return value, source.expression if len(source.expression) <= 30 else type(value).__name__
    if source.attribute is not None:
        value: Any = namespace
        for part in source.attribute.split("."):
            try:
                value = value[part] if isinstance(value, dict) else getattr(value, part)
            except (KeyError, AttributeError):
                from ...errors import did_you_mean

                names = [k for k in namespace if not k.startswith("_")] if isinstance(value, dict) else dir(value)
                raise SpecError(f"{source.origin}: has no {part!r}",
                                hint=did_you_mean(part, names) or "name a class, function or model it defines") from None
        if isinstance(value, nn.Module):
            return value, source.attribute
        if callable(value):
            return _call(source, value, source.attribute), source.attribute
        return value, source.attribute
    return _find_model(source, namespace, nn)


def _call(source: Source, value, label: str):
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        required = [p.name for p in signature.parameters.values() if p.default is p.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if required:
            raise SpecError(f"{source.text}: {label}() needs {', '.join(required)}",
                            hint=f'write the call with its arguments: {source.origin}:"{label}(…)"')
    try:
        return value()
    except SpecError:
        raise
    except Exception as exc:
        raise SpecError(f"{source.text}: {label}() raised {_describe(exc)}") from None


_notes: list[str] = []  #: what _find_model says about its choice (read by build)


def _find_model(source: Source, namespace: dict, nn) -> tuple[Any, str]:
    """A file (or module) named alone: its last module-level nn.Module object; else the last nn.Module class
    it defines that no other of its classes uses (built without arguments)."""
    module_name = namespace.get("__name__")
    objects = [(k, v) for k, v in namespace.items() if isinstance(v, nn.Module) and not k.startswith("_")]
    if objects:
        return objects[-1][1], objects[-1][0]
    classes = [v for k, v in namespace.items() if isinstance(v, type) and issubclass(v, nn.Module)
               and getattr(v, "__module__", None) == module_name and not k.startswith("_")]
    if not classes:
        raise SpecError(f"{source.origin}: defines no nn.Module class and holds no model",
                        hint='name what builds the model: model.py:Net or model.py:"build(10)"')
    used: set[type] = set()
    built: list[tuple[type, Any]] = []
    needs: list[str] = []
    for cls in classes:
        try:
            signature = inspect.signature(cls)
            required = [p for p in signature.parameters.values() if p.default is p.empty
                        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        except (TypeError, ValueError):
            required = []
        if required:
            needs.append(f"{cls.__name__}({', '.join(p.name for p in required)})")
            continue
        try:
            model = cls()
        except Exception:
            continue
        built.append((cls, model))
        used |= {type(m) for m in model.modules() if m is not model}
    roots = [(cls, m) for cls, m in built if cls not in used]
    if not roots:
        raise SpecError(f"{source.origin}: no nn.Module class it defines can be built without arguments"
                        + (f" ({', '.join(needs)})" if needs else ""),
                        hint=f'give the call with its arguments: {source.origin}:"{needs[0] if needs else "Net()"}"')
    if len(roots) > 1:
        _notes.append(f"{source.origin}: several nn.Module classes no other class uses: reading "
                      f"{roots[-1][0].__name__}, the last (not {', '.join(c.__name__ for c, _ in roots[:-1])}); "
                      f"name one with {source.origin}:Name")
    return roots[-1][1], roots[-1][0].__name__
