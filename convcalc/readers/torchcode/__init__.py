"""PyTorch model files as people write them, read without running them.

:func:`read` runs the file's top-level code in convcalc's bounded interpreter (:mod:`.interpreter`;
``ast`` only, nothing executed), builds the chosen model — ``FILE.py:ResNet18``,
``FILE.py:"ResNet(BasicBlock, [2, 2, 2, 2], num_classes=100)"``, or by default the model the file
makes — and traces its ``forward()`` into convcalc's graph (:mod:`.forward`). The result is plain
spec data for :func:`convcalc.build.from_data`, and notes (what was picked, where the input shape came
from). :func:`models` lists what a file defines and how to choose each.

What cannot be known without running the code is an error naming the file, line and column, never a
guess: exit 2.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import SpecError
from . import values as V
from .limits import LimitError, PyRaise, ReadError

__all__ = ["Candidate", "ReadError", "models", "read", "read_network", "read_path", "split_choice"]

Notes = list[tuple[str | None, str]]

#: how deep Python may recurse while the interpreter runs (its own frames per user-level call)
_RECURSION = 8000


@dataclass
class Candidate:
    """A model a file defines: a module-level model variable, an ``nn.Module`` class, or a function that
    returns a model."""

    name: str
    kind: str  #: ``variable``, ``class``, ``function``, ``call``
    line: int
    params: list[str] = field(default_factory=list)  #: the signature's parameters, as written
    required: list[str] = field(default_factory=list)  #: parameters without defaults
    expr: str | None = None  #: the expression that builds it (``call``: as the file writes it)
    value: Any = None
    root: bool = True  #: not used by another model of the file

    @property
    def choice(self) -> str:
        """What to write after ``FILE.py:`` to choose it."""
        if self.kind == "call" and self.expr:
            if self.expr.endswith("()") and self.expr[:-2].isidentifier():
                return self.expr[:-2]
            return f'"{self.expr}"'
        if self.required:
            return f'"{self.name}({", ".join(self.required)})"'
        return self.name

    @property
    def signature(self) -> str:
        if self.kind == "variable":
            return f"{self.name} = {self.expr}" if self.expr else self.name
        if self.kind == "call":
            return self.expr or self.name
        prefix = "class " if self.kind == "class" else "def "
        return f"{prefix}{self.name}({', '.join(self.params)})"


def _session(resolver=None):
    from .interpreter import Interpreter

    interp = Interpreter()
    interp.resolver = resolver
    return interp


class _Recursion:
    def __enter__(self):
        self.saved = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.saved, _RECURSION))

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.saved)
        return False


def _as_read_error(exc: BaseException, origin: str) -> SpecError:
    if isinstance(exc, PyRaise):
        return ReadError(f"{exc.where or origin}: the model code raises {exc.type_name}"
                         + (f": {exc.message}" if exc.message else ""))
    if isinstance(exc, RecursionError):
        return LimitError(f"{origin}: the code nests too deeply to be read",
                          hint="convcalc reads model code within fixed bounds")
    return exc  # type: ignore[return-value]


def read(text: str, origin: str, *, choice: str | None = None, input_shape: tuple | None = None,
         input_shapes: dict[str, tuple] | None = None, resolver=None) -> tuple[dict, Notes]:
    """Model code → (spec data, notes). ``choice``: what to build (``ResNet18``, ``"ResNet(BasicBlock,
    [2, 2, 2, 2])"``); ``input_shape``: the input without the batch dim (else the file's example tensor,
    if it has one)."""
    from ..spec import check_size

    check_size(len(text), origin)
    with _Recursion():
        try:
            return _read(text, origin, choice, input_shape, input_shapes or {}, resolver)
        except (PyRaise, RecursionError) as exc:
            raise _as_read_error(exc, origin) from None


def read_path(path: Path, *, choice: str | None = None, input_shape: tuple | None = None,
              input_shapes: dict[str, tuple] | None = None, extra: list[Path] | None = None) -> tuple[dict, Notes]:
    """A model file (or a directory with ``choice`` = ``module:Expr``); imports between the user's files in
    the same directory (and ``extra`` files) are read too."""
    root = path if path.is_dir() else path.parent
    if path.is_dir():
        if not choice or ":" not in choice:
            raise SpecError(f"{path}: is a directory; choose a model in it with --model FILE:NAME",
                            hint="e.g. --model resnet:ResNet18")
        module, _, choice = choice.partition(":")
        path = root.joinpath(*module.split(".")).with_suffix(".py")
        if not path.is_file():
            raise SpecError(f"{path}: no such file (from --model {module}:…)")
    text = _read_text(path)
    return read(text, str(path), choice=choice or None, input_shape=input_shape, input_shapes=input_shapes,
                resolver=_files_resolver(root, extra or []))


def read_network(text: str, origin: str, *, choice: str | None = None, input_shape: tuple | None = None,
                 input_shapes: dict[str, tuple] | None = None, aux: bool = False, path: Path | None = None):
    """Model code → a Network (with the reader's notes): :func:`read` (or :func:`read_path` for ``path``),
    then the one builder every reader's data goes through."""
    import dataclasses

    from ...build import from_data

    if path is not None:
        data, notes = read_path(path, choice=choice, input_shape=input_shape, input_shapes=input_shapes)
    else:
        data, notes = read(text, origin, choice=choice, input_shape=input_shape, input_shapes=input_shapes)
    network = from_data(data, origin=origin, input_shape=input_shape, aux=aux)
    return dataclasses.replace(network, notes=tuple(notes))


def split_choice(model: str) -> tuple[Path, str] | None:
    """``models/resnet.py:ResNet18`` or ``resnet.py:"ResNet(BasicBlock, [2, 2, 2, 2])"`` → (file, choice),
    when the part before the first ``.py:`` is a file."""
    index = model.find(".py:")
    if index < 0:
        return None
    path, choice = Path(model[:index + 3]), model[index + 4:].strip()
    if not path.is_file():
        return None
    if len(choice) >= 2 and choice[0] == choice[-1] and choice[0] in "'\"":
        choice = choice[1:-1]
    if not choice:
        raise SpecError(f"{model}: nothing after ':'", hint=f"e.g. {path}:Net; `convcalc list {path}` lists the "
                                                              "models")
    return path, choice


def _read_text(path: Path) -> str:
    from .. import decode, read_bytes

    return decode(read_bytes(path), str(path))  # at most MAX_FILE_BYTES, UTF-8


def _files_resolver(root: Path, extra: list[Path]):
    """Imports of the user's own files: ``from models.resnet import X``, ``from .resnet import X`` and
    ``import resnet`` next to the file, resolved to files under ``root`` (never outside it)."""
    root = root.resolve()
    by_stem = {p.stem: p for p in extra}

    def resolve(name: str, level: int, importer: str):
        base = root
        if level:
            try:
                base = Path(importer).resolve().parent
            except OSError:
                return None
            for _ in range(level - 1):
                base = base.parent
        parts = [p for p in name.split(".") if p] if name else []
        candidates = []
        if parts:
            candidates += [base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")]
            if not level:
                here = Path(importer).resolve().parent if importer else root
                candidates += [here.joinpath(*parts).with_suffix(".py")]
                if parts[-1] in by_stem:
                    candidates.append(by_stem[parts[-1]])
        else:
            candidates.append(base / "__init__.py")
        for c in candidates:
            try:
                c = c.resolve()
            except OSError:
                continue
            inside = c.is_relative_to(root) or c in [p.resolve() for p in extra]
            if inside and c.is_file():
                return str(c), str(c), _read_text(c)
        return None

    return resolve


# ----------------------------------------------------------------------------
# choosing the model
# ----------------------------------------------------------------------------
def models(text: str, origin: str) -> list[Candidate]:
    """What a file defines that ``FILE.py:NAME`` can choose, in the file's order."""
    with _Recursion():
        interp = _session()
        try:
            scope = interp.run_module(text, origin)
        except (PyRaise, RecursionError) as exc:
            raise _as_read_error(exc, origin) from None
        return _candidates(interp, scope)


def _candidates(interp, scope: V.ModuleScope) -> list[Candidate]:
    tree = scope.tree
    out: list[Candidate] = []
    referenced = _referenced_names(tree)
    for stmt in _top_statements(tree.body):
        if isinstance(stmt, ast.ClassDef):
            cls = scope.vars.get(stmt.name)
            if isinstance(cls, V.Class) and cls.is_module:
                params, required = _signature(_init_of(cls))
                out.append(Candidate(stmt.name, "class", stmt.lineno, params, required, value=cls,
                                     root=stmt.name not in referenced))
        elif isinstance(stmt, ast.FunctionDef):
            fn = scope.vars.get(stmt.name)
            if isinstance(fn, V.Function) and _returns_model(stmt, scope):
                params, required = _signature(fn)
                out.append(Candidate(stmt.name, "function", stmt.lineno, params, required, value=fn,
                                     root=stmt.name not in referenced))
    seen_vars: set[str] = set()
    for stmt in reversed(list(_top_statements(tree.body))):
        target, value_node = _assignment(stmt)
        if isinstance(target, ast.Name) and target.id not in seen_vars:
            seen_vars.add(target.id)
            value = scope.vars.get(target.id)
            failure = scope.failures.get(id(stmt))
            if isinstance(value, V.Module) or (failure is not None and _builds_model(value_node, scope)):
                out.append(Candidate(target.id, "variable", stmt.lineno, expr=_short(value_node), value=value
                                     if failure is None else failure))
    for stmt, value in scope.exprs:
        if isinstance(value, V.Module):
            out.append(Candidate(_short(stmt.value), "expression", stmt.lineno, expr=_short(stmt.value), value=value))
    for stmt in _top_statements(tree.body):
        failure = scope.failures.get(id(stmt))
        if isinstance(stmt, ast.Expr) and failure is not None and _builds_model(stmt.value, scope):
            out.append(Candidate(_short(stmt.value), "expression", stmt.lineno, expr=_short(stmt.value),
                                 value=failure))
    for fn_node in tree.body:
        if isinstance(fn_node, ast.FunctionDef) and not fn_node.args.args and not any(
                c.name == fn_node.name for c in out):
            for node in ast.walk(fn_node):
                target, value_node = _assignment(node) if isinstance(node, ast.stmt) else (None, None)
                if isinstance(value_node, ast.Call) and _calls_model(value_node, scope) and _constant_args(
                        value_node, scope):
                    out.append(Candidate(_short(value_node), "call", node.lineno, expr=_short(value_node)))
    out.sort(key=lambda c: c.line)
    return out


def _choose(interp, scope: V.ModuleScope, origin: str) -> tuple[Any, str, str | None]:
    """The default model: (the model, its name, a note on the choice or None)."""
    candidates = _candidates(interp, scope)
    name_of_file = Path(origin).name
    variables = [c for c in candidates if c.kind in ("variable", "expression")]
    calls = [c for c in candidates if c.kind == "call"]
    classes = [c for c in candidates if c.kind == "class" and c.root and not c.required]
    functions = [c for c in candidates if c.kind == "function" and c.root and not c.required]
    picked: Candidate | None = None
    how = ""
    for group, why in ((variables, "the last model the file builds at module level"),
                       (calls, "the last model a function of the file builds"),
                       (classes, "the last nn.Module class no other model uses"),
                       (functions, "the last function that returns a model")):
        if group:
            picked, how = group[-1], why
            break
    if picked is None:
        if not candidates:
            raise ReadError(f"{origin}: no model found: no nn.Module class, no function that returns one, no "
                            "nn.Sequential(…)", hint="e.g. model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())")
        listed = ", ".join(c.choice for c in candidates if c.kind in ("class", "function")) or "none"
        raise ReadError(f"{origin}: no model to read without a choice (models: {listed})",
                        hint=f"choose one: convcalc params {name_of_file}:NAME, e.g. "
                             f"{name_of_file}:{next((c.choice for c in candidates), 'Net')}; "
                             f"`convcalc list {name_of_file}` lists them")
    value = picked.value
    if isinstance(value, BaseException):
        raise _as_read_error(value, origin)
    if picked.kind == "call":
        value = _evaluate_choice(interp, scope, picked.expr, origin)
    elif picked.kind in ("class", "function"):
        value = _build(interp, value, picked.name, origin)
    # the other models the file offers: not the picked one's own parts, nor what built it
    parts = {id(m) for _, m in interp.lib.walk_modules(value)}
    classes = {id(m.cls) for _, m in interp.lib.walk_modules(value)}
    for c in candidates:  # the parts of the file's other models are no models of their own
        if c is not picked and c.kind in ("variable", "expression") and isinstance(c.value, V.Module):
            parts |= {id(m) for path, m in interp.lib.walk_modules(c.value) if path}
    others = [c for c in candidates if c is not picked and not (
        (c.kind in ("variable", "expression") and id(c.value) in parts)
        or (c.kind == "class" and (id(c.value) in classes or not c.root))
        or (c.kind == "function" and (not c.root or c.name == picked.choice))
        or (c.kind == "call" and picked.kind == "call" and c.expr == picked.expr))]
    note = None
    if others:
        listed = ", ".join(c.choice for c in others[:3]) + (", …" if len(others) > 3 else "")
        label = picked.name if picked.kind in ("variable", "expression") else picked.choice.strip('"')
        note = (f"read {label} ({how}); the file also has {listed}: choose with {name_of_file}:NAME — "
                f"`convcalc list {name_of_file}` lists them")
    return value, picked.name if picked.kind != "call" else picked.expr.split("(")[0], note


def _evaluate_choice(interp, scope: V.ModuleScope, expr: str, origin: str) -> Any:
    """``FILE.py:Expr``: the expression parsed and interpreted in the file's scope (not evaluated by Python)."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise ReadError(f"the model choice {expr!r} is not a Python expression: {exc.msg}",
                        hint="e.g. FILE.py:ResNet18 or FILE.py:\"ResNet(BasicBlock, [2, 2, 2, 2])\"") from None
    for name in ast.walk(tree.body):
        if isinstance(name, ast.Name) and name.id not in scope.vars and name.id not in interp.builtins:
            from ...errors import did_you_mean

            defined = [c.name for c in _candidates(interp, scope) if c.kind in ("class", "function", "variable")]
            defined += [k for k, v in scope.vars.items() if isinstance(v, (V.Class, V.Function)) and k not in defined]
            raise ReadError(f"{origin}: {name.id!r} is not defined in the file (the model choice {expr!r})",
                            hint=did_you_mean(name.id, defined) or f"`convcalc list {Path(origin).name}` lists "
                                                                    "the models")
    saved = interp.origin
    interp.origin = f"{Path(origin).name}:{expr}"
    try:
        value = interp.eval(tree.body, scope)
    finally:
        interp.origin = saved
    return _build(interp, value, expr, origin)


def _build(interp, value: Any, label: str, origin: str) -> V.Module:
    """A class or factory chosen by name is called without arguments."""
    if isinstance(value, (V.Class, V.TorchClass, V.Function, V.Partial)):
        node = ast.Call(func=ast.Name(label), args=[], keywords=[])  # no line: the choice, not the file
        value = interp.call(value, [], {}, node)
    if isinstance(value, V.Unknown):
        raise ReadError(f"{origin}: the model {label} is not known: {value.reason}")
    if not isinstance(value, V.Module):
        raise ReadError(f"{origin}: {label} is {V.describe(value)}, not an nn.Module",
                        hint=f"`convcalc list {Path(origin).name}` lists the models")
    return value


# ----------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------
def _read(text: str, origin: str, choice: str | None, input_shape, input_shapes, resolver) -> tuple[dict, Notes]:
    from .forward import Tracer

    interp = _session(resolver)
    scope = interp.run_module(text, origin)
    interp.origin = origin
    notes: Notes = []
    if choice:
        root = _evaluate_choice(interp, scope, choice, origin)
        name = choice.strip().split("(")[0].strip()
    else:
        root, name, note = _choose(interp, scope, origin)
        if note:
            notes.append((None, note))
    names, where = _input_names(root)
    shapes: list[tuple | None]
    if input_shapes:
        shapes = [input_shapes.get(n) for n in names]
    elif input_shape is not None:
        shapes = [tuple(input_shape)] * len(names)
    else:
        example = _example_input(interp, scope)
        shapes = [None] * len(names)
        if example is not None and len(names) == 1:
            shapes = [example[0]]
            notes.append((None, f"input {'x'.join(map(str, example[0]))} taken from the example tensor at line "
                                f"{example[1]}"))
    spec_names = ["input"] if len(names) == 1 else names
    _check_bare(interp, root)
    tracer = Tracer(interp, root, origin)
    interp.origin = origin
    try:
        tracer.run(list(zip(spec_names, shapes)), where)
    except (ReadError, PyRaise) as exc:
        if tracer.broken is None or isinstance(exc, LimitError):
            raise _as_read_error(exc, origin) from None
        # torch fails before this point: keep what was traced; the engine names the failing layer
    _check_uncounted(interp, root, tracer, origin)
    data = tracer.spec()
    data = {"name": name, **data}
    return data, notes


def _input_names(root: V.Module) -> tuple[list[str], ast.AST | None]:
    """The tensors forward() takes: its parameters after self without defaults."""
    cls = root.cls
    if isinstance(cls, V.Class):
        for owner in cls.mro:
            if isinstance(owner, V.Class) and isinstance(owner.ns.get("forward"), V.Function):
                fn = owner.ns["forward"]
                args = fn.node.args
                params = [a.arg for a in [*args.posonlyargs, *args.args]][1:]
                required = params[:len(params) - len(args.defaults)] if args.defaults else params
                if not required:
                    if args.vararg is not None:
                        raise ReadError(f"{fn.closure.module.origin}:{fn.node.lineno}: forward(self, "
                                        f"*{args.vararg.arg}) takes any number of inputs; convcalc needs them named")
                    raise ReadError(f"{fn.closure.module.origin}:{fn.node.lineno}: forward() takes no input")
                return required, fn.node
            if isinstance(owner, V.TorchClass):
                break
    return ["input"], None


def _check_bare(interp, root: V.Module) -> None:
    """Bare nn.Parameters and buffers: torch counts them, the graph (layers only) cannot hold them."""
    bare = [(where, text, path) for path, m in interp.lib.walk_modules(root) for where, text in m.bare]
    if bare:
        where, text, path = bare[0]
        raise ReadError(f"{where}: {text} in {path or 'the model'}: convcalc counts the parameters and buffers of "
                        "layers; a bare one cannot be placed in the graph, so the totals would be wrong"
                        + (f" (and {len(bare) - 1} more)" if len(bare) > 1 else ""))


def _check_uncounted(interp, root: V.Module, tracer, origin: str) -> None:
    """Layers with parameters that forward() never calls: torch counts them, the graph cannot hold them. Named by
    the outermost module never called (``aux``, not each of its layers)."""
    from .torchlib import _WEIGHTED_KINDS

    if tracer.broken is not None:
        return
    modules = interp.lib.walk_modules(root)
    by_path = dict(modules)
    uncalled: list[str] = []
    for path, m in modules:
        weighted = m.kind in _WEIGHTED_KINDS or (m.kind is None and m.unknown_reason is not None
                                                 and m.role != "free")
        if weighted and id(m) not in tracer.called:
            parts = path.split(".")
            top = next((".".join(parts[:i]) for i in range(1, len(parts) + 1)
                        if id(by_path.get(".".join(parts[:i]))) not in tracer.called), path)
            outer = by_path.get(top, m)
            label = f"{top} ({outer.class_name}, built at {outer.where})"
            if label not in uncalled:
                uncalled.append(label)
    if uncalled:
        listed = ", ".join(uncalled[:3]) + (f" and {len(uncalled) - 3} more" if len(uncalled) > 3 else "")
        raise ReadError(f"{origin}: forward() never calls {listed}: torch counts "
                        f"{'its' if len(uncalled) == 1 else 'their'} parameters, but convcalc cannot place them in "
                        "the graph, so the totals would be wrong",
                        hint="remove the unused layers, or call them in forward()")


_CREATORS = ("rand", "randn", "zeros", "ones", "empty", "randint", "full")


def _example_input(interp, scope: V.ModuleScope) -> tuple[tuple, int] | None:
    """The input the file feeds its model (``torch.randn(1, 3, 32, 32)`` anywhere in it), batch dim dropped,
    when every such tensor agrees."""
    found: dict[tuple, int] = {}
    for node in ast.walk(scope.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CREATORS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch"):
            continue
        size = next((k.value for k in node.keywords if k.arg == "size"), None)
        nodes = [size] if size is not None else list(node.args)
        if node.func.attr in ("randint", "full"):
            nodes = [a for a in node.args if isinstance(a, (ast.Tuple, ast.List))][:1]
        try:
            values = [interp.eval(n, scope) for n in nodes]
        except Exception:  # noqa: BLE001 - any failure: not an example we can read
            continue
        if len(values) == 1 and isinstance(values[0], (list, tuple)):
            values = list(values[0])
        if 3 <= len(values) <= 5 and all(type(v) is int and v > 0 for v in values):
            found.setdefault(tuple(values[1:]), node.lineno)
    if len(found) != 1:
        return None
    [(dims, line)] = found.items()
    return dims, line


# ----------------------------------------------------------------------------
# syntax helpers
# ----------------------------------------------------------------------------
def _top_statements(body: list[ast.stmt]):
    from .interpreter import _is_main_test

    for stmt in body:
        if isinstance(stmt, ast.If) and _is_main_test(stmt.test):
            yield from stmt.body
        else:
            yield stmt


def _assignment(stmt: ast.AST) -> tuple[ast.AST | None, ast.AST | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0], stmt.value
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return stmt.target, stmt.value
    return None, None


def _referenced_names(tree: ast.Module) -> set[str]:
    """Names used (read) anywhere but in their own definition: a class used by another is no model root."""
    used: set[str] = set()
    for top in tree.body:
        own = top.name if isinstance(top, (ast.ClassDef, ast.FunctionDef)) else None
        for node in ast.walk(top):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id != own:
                if not (isinstance(top, ast.FunctionDef) and top.name in ("test", "main", "_test", "demo")):
                    used.add(node.id)
    return used


def _init_of(cls: V.Class) -> Any:
    found = cls.lookup("__init__")
    return found[0] if found is not None and isinstance(found[0], V.Function) else None


def _signature(fn: Any) -> tuple[list[str], list[str]]:
    if not isinstance(fn, V.Function):
        return [], []
    args = fn.node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if fn.owner is not None or (positional and positional[0] == "self"):
        positional = positional[1:]
    n_default = len(args.defaults)
    params, required = [], []
    for i, p in enumerate(positional):
        if i < len(positional) - n_default:
            params.append(p)
            required.append(p)
        else:
            params.append(f"{p}={_short(args.defaults[i - (len(positional) - n_default)], 20)}")
    if args.vararg:
        params.append(f"*{args.vararg.arg}")
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if d is None:
            params.append(a.arg)
            required.append(f"{a.arg}=…")
        else:
            params.append(f"{a.arg}={_short(d, 20)}")
    if args.kwarg:
        params.append(f"**{args.kwarg.arg}")
    return params, required


def _returns_model(fn: ast.FunctionDef, scope: V.ModuleScope, depth: int = 0) -> bool:
    """A module-level function that returns a model: a ``return`` of a model class or another such function."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Call) and _calls_model(value, scope, depth):
                return True
            if isinstance(value, ast.Name):
                for assign in ast.walk(fn):
                    target, v = _assignment(assign) if isinstance(assign, ast.stmt) else (None, None)
                    if isinstance(target, ast.Name) and target.id == value.id and isinstance(v, ast.Call) \
                            and _calls_model(v, scope, depth):
                        return True
    return False


def _calls_model(call: ast.Call, scope: V.ModuleScope, depth: int = 0) -> bool:
    func = call.func
    while isinstance(func, ast.Attribute) and func.attr in ("to", "cuda", "eval", "train", "cpu", "float"):
        if isinstance(func.value, ast.Call):
            call = func.value
            func = call.func
        else:
            break
    if isinstance(func, ast.Name):
        value = scope.vars.get(func.id)
        if isinstance(value, (V.Class, V.TorchClass)):
            return value.is_module
        if isinstance(value, V.Function) and depth < 5 and isinstance(value.node, ast.FunctionDef):
            return _returns_model(value.node, scope, depth + 1)
        if isinstance(value, V.Partial):
            return True
    if isinstance(func, ast.Attribute):
        try:
            value = scope.vars.get(func.value.id) if isinstance(func.value, ast.Name) else None
        except AttributeError:
            value = None
        if isinstance(value, V.Namespace) and value.modelled:
            member = value.members.get(func.attr)
            return isinstance(member, (V.Class, V.TorchClass)) and member.role == "sequential" \
                if isinstance(member, V.TorchClass) else isinstance(member, (V.Class, V.Function))
    return False


def _builds_model(node: ast.AST | None, scope: V.ModuleScope) -> bool:
    return isinstance(node, ast.Call) and _calls_model(node, scope)


def _constant_args(call: ast.Call, scope: V.ModuleScope) -> bool:
    """Arguments that mean the same at module level: literals and module-level names."""
    for node in [*call.args, *(k.value for k in call.keywords)]:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id not in scope.vars:
                from .interpreter import _UNMODELLED_BUILTINS  # noqa: F401

                if sub.id not in ("True", "False", "None"):
                    return False
    return True


def _short(node: ast.AST | None, width: int = 70) -> str:
    from .interpreter import _short as short

    return short(node, width) if node is not None else ""
