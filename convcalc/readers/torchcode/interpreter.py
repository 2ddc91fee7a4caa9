"""A bounded static interpreter over :mod:`ast` for the Python that model files use.

It walks the syntax tree — it never calls ``exec``, ``eval``, ``compile`` or ``import`` on the
user's text — over a whitelist of node types and operators (simpleeval's approach), with every
loop, call, container and integer bounded (:mod:`.limits`). The values are plain Python data and
the classes of :mod:`.values`; torch, torchvision and the standard library are what
:mod:`.torchlib` models. What cannot be known is an :class:`~.values.Unknown` that spreads and
becomes an error only where something needs it (``if`` on it, a layer argument): the error names
the file, line and column, and where the unknown came from.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Iterator
from typing import Any

from . import values as V
from .limits import (
    MAX_CONTAINER,
    MAX_DEPTH,
    MAX_INT_BITS,
    MAX_ITERATIONS,
    MAX_STEPS,
    LimitError,
    PyRaise,
    ReadError,
)

_BREAK = object()
_CONTINUE = object()


class _Return:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitOr: operator.or_,
           ast.BitAnd: operator.and_, ast.BitXor: operator.xor, ast.MatMult: operator.matmul}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
           ast.MatMult: "@"}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_NATIVE = (int, float, str, bool, type(None), complex, bytes)
_SEQUENCES = (list, tuple, str, range, dict, set, frozenset)


def parse(text: str, origin: str) -> ast.Module:
    """The text's syntax tree, or a ReadError naming the line of the syntax error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(text)
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "") if exc.lineno else ""
        raise ReadError(f"{origin}: invalid Python{where}: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ReadError(f"{origin}: cannot parse the Python text: {exc}") from None


class Frame:
    """One call of a user function, for messages: where it is defined and where it was called."""

    __slots__ = ("call", "label", "origin")

    def __init__(self, label: str, origin: str, call: ast.AST | None):
        self.label = label
        self.origin = origin
        self.call = call


class Interpreter:
    """Runs module bodies, class bodies and functions of the user's text."""

    def __init__(self) -> None:
        from . import torchlib

        self.steps = 0
        self.frames: list[Frame] = []
        self.origin = "<model>"  #: the file whose code runs now
        self.module_level = 0  #: >0 while running a module's own top-level statements
        self.tracer = None  #: the forward() tracer while one runs (forward.Tracer)
        self.lib = torchlib.Library(self)
        self.builtins = self.lib.builtins
        self.modules: dict[str, V.ModuleScope] = {}  #: the user's files by module name (local imports)
        self.resolver = None  #: module name, level, importing origin → (origin, text) of a user's file, or None
        self.loading: list[str] = []
        #: the node types read, each with its method (the whitelist)
        self._statements = {getattr(ast, n[2:]): getattr(self, n) for n in dir(self)
                            if n.startswith("s_") and hasattr(ast, n[2:])}
        self._expressions = {getattr(ast, n[2:]): getattr(self, n) for n in dir(self)
                             if n.startswith("e_") and hasattr(ast, n[2:])}

    # ------------------------------------------------------------------
    # Errors and bounds
    # ------------------------------------------------------------------
    def where(self, node: ast.AST | None, origin: str | None = None) -> str:
        origin = origin or self.origin
        if node is None or not hasattr(node, "lineno"):
            return origin
        return f"{origin}:{node.lineno}:{node.col_offset + 1}"

    def context(self) -> str:
        """`` (in ResNet._make_layer, called at resnet.py:80:22)`` for the innermost user call."""
        if not self.frames:
            return ""
        frame = self.frames[-1]
        called = f", called at {self.where(frame.call, frame.origin)}" if getattr(frame.call, "lineno", None) else ""
        return f" (in {frame.label}{called})"

    def fail(self, node: ast.AST | None, message: str, hint: str | None = None) -> ReadError:
        return ReadError(f"{self.where(node)}: {message}{self.context()}", hint=hint)

    def limit(self, node: ast.AST | None, message: str) -> LimitError:
        return LimitError(f"{self.where(node)}: {message}{self.context()}",
                          hint="convcalc reads model code within fixed bounds; a model needs far less")

    def step(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.limit(node, f"stopped after {MAX_STEPS:,} steps: the code runs too long to be read "
                                   "(an endless loop?)")

    def need(self, value: Any, node: ast.AST, what: str) -> Any:
        """``value``, or an error where it is unknown: ``what`` needs it (``cannot decide `if x```)."""
        if isinstance(value, V.Unknown):
            raise self.fail(node, f"{what}: {value.reason}")
        if isinstance(value, V.Size) and value.value is None:
            raise self.fail(node, f"{what}: it depends on the {'batch size' if value.batch else 'input shape'}",
                            hint=None if value.batch else "pass the input shape with --input")
        return value.value if isinstance(value, V.Size) else value

    def check_int(self, value: Any, node: ast.AST) -> Any:
        if type(value) is int and value.bit_length() > MAX_INT_BITS:
            raise self.limit(node, f"an integer of more than {MAX_INT_BITS} bits")
        return value

    def check_size(self, n: int, node: ast.AST, what: str = "a container") -> None:
        if n > MAX_CONTAINER:
            raise self.limit(node, f"{what} of more than {MAX_CONTAINER:,} elements")

    def charge(self, n: int) -> None:
        """Building or copying ``n`` elements at once is work in proportion to ``n``."""
        self.steps += n >> 4

    def raise_py(self, type_name: str, message: str, node: ast.AST | None) -> PyRaise:
        return PyRaise(type_name, message, self.where(node))

    # ------------------------------------------------------------------
    # Modules (files)
    # ------------------------------------------------------------------
    def run_module(self, text: str, origin: str, name: str = "__main__", tolerant: bool = True) -> V.ModuleScope:
        """Run a file's top-level statements. ``tolerant``: a statement that fails (training code, data
        loading, anything needing what convcalc does not model) binds the names it assigns to an unknown
        that carries the error, and the file goes on; crossing a bound stops everything."""
        tree = parse(text, origin)
        scope = V.ModuleScope(origin, tree, text)
        scope.vars["__name__"] = name
        scope.vars["__file__"] = origin
        scope.vars["__doc__"] = ast.get_docstring(tree)
        # pasted snippets often use torch's conventional names without importing them; the file's own imports
        # (or definitions) of these names replace them
        scope.vars.update(torch=self.lib.module("torch"), nn=self.lib.module("torch.nn"),
                          F=self.lib.module("torch.nn.functional"))
        saved, self.origin = self.origin, origin
        self.module_level += 1
        try:
            self.run_top(tree.body, scope, tolerant)
        finally:
            self.module_level -= 1
            self.origin = saved
        return scope

    def run_top(self, body: list[ast.stmt], scope: V.ModuleScope, tolerant: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If) and _is_main_test(stmt.test):
                self.run_top(stmt.body, scope, tolerant)  # `if __name__ == "__main__":` runs as the main file would
                continue
            if not tolerant:
                self.exec_stmt(stmt, scope)
                continue
            try:
                if isinstance(stmt, ast.Expr):
                    self.step(stmt)
                    scope.exprs.append((stmt, self.eval(stmt.value, scope)))
                    signal = None
                else:
                    signal = self.exec_stmt(stmt, scope)
            except LimitError:
                raise
            except (ReadError, PyRaise, RecursionError) as exc:
                scope.failures[id(stmt)] = exc
                reason = _reason(exc)
                for name in _assigned_names(stmt):
                    scope.vars[name] = V.Unknown(f"{name} is not known: line {stmt.lineno} fails: {reason}")
                continue
            if signal is not None:
                break

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------
    def exec_body(self, body: list[ast.stmt], scope: V.Scope) -> Any:
        for stmt in body:
            signal = self.exec_stmt(stmt, scope)
            if signal is not None:
                return signal
        return None

    def exec_stmt(self, stmt: ast.stmt, scope: V.Scope) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.step(stmt)
        method = self._statements.get(type(stmt))
        if method is None:
            raise self.fail(stmt, f"`{_first_line(stmt)}`: {type(stmt).__name__} statements are not read")
        return method(stmt, scope)

    def s_Expr(self, stmt: ast.Expr, scope: V.Scope) -> None:
        value = self.eval(stmt.value, scope)
        if isinstance(value, V.UnknownCall) and not self.module_level_scope(scope) and not value.harmless:
            # a call whose result is dropped is made for what it does: convcalc cannot know what that is
            raise self.fail(stmt, f"`{_short(stmt.value)}`: {value.reason}; what it does to the model cannot be "
                                  "known without running it")

    def module_level_scope(self, scope: V.Scope) -> bool:
        return isinstance(scope, V.ModuleScope) or (scope.is_class and scope.parent is None)

    def s_Pass(self, stmt, scope) -> None:
        return None

    def s_Break(self, stmt, scope):
        return _BREAK

    def s_Continue(self, stmt, scope):
        return _CONTINUE

    def s_Return(self, stmt: ast.Return, scope: V.Scope) -> _Return:
        return _Return(None if stmt.value is None else self.eval(stmt.value, scope))

    def s_Assign(self, stmt: ast.Assign, scope: V.Scope) -> None:
        value = self.eval(stmt.value, scope)
        for target in stmt.targets:
            self.assign(target, value, scope)

    def s_AnnAssign(self, stmt: ast.AnnAssign, scope: V.Scope) -> None:
        if stmt.value is not None:
            self.assign(stmt.target, self.eval(stmt.value, scope), scope)

    def s_AugAssign(self, stmt: ast.AugAssign, scope: V.Scope) -> None:
        target = stmt.target
        if isinstance(target, ast.Name):
            current = self.lookup(target.id, scope, target)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value, scope)
            current = self.getattr(obj, target.attr, target)
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value, scope)
            index = self.eval(target.slice, scope)
            current = self.getitem(obj, index, target)
        else:
            raise self.fail(stmt, "this augmented assignment is not read")
        right = self.eval(stmt.value, scope)
        if type(current) is list and isinstance(stmt.op, ast.Add):  # `layers += [...]` extends in place
            items = self.materialize(right, stmt)
            self.check_size(len(current) + len(items), stmt, "a list")
            current.extend(items)
            value = current
        elif type(current) is dict and isinstance(stmt.op, ast.BitOr):
            current.update(right)
            value = current
        else:
            value = self.binop(stmt.op, current, right, stmt, inplace=True)
        if isinstance(target, ast.Name):
            self.store(target.id, value, scope)
        elif isinstance(target, ast.Attribute):
            self.setattr(obj, target.attr, value, target)
        else:
            self.setitem(obj, index, value, target)

    def s_If(self, stmt: ast.If, scope: V.Scope) -> Any:
        test = self.truth(self.eval(stmt.test, scope), stmt.test, f"cannot decide `if {_short(stmt.test)}`")
        return self.exec_body(stmt.body if test else stmt.orelse, scope)

    def s_For(self, stmt: ast.For, scope: V.Scope) -> Any:
        iterable = self.eval(stmt.iter, scope)
        count = 0
        for item in self.iterate(iterable, stmt.iter):
            count += 1
            if count > MAX_ITERATIONS:
                raise self.limit(stmt, f"a loop of more than {MAX_ITERATIONS:,} iterations")
            self.assign(stmt.target, item, scope)
            signal = self.exec_body(stmt.body, scope)
            if signal is _BREAK:
                return None
            if isinstance(signal, _Return):
                return signal
        return self.exec_body(stmt.orelse, scope)

    def s_While(self, stmt: ast.While, scope: V.Scope) -> Any:
        count = 0
        while self.truth(self.eval(stmt.test, scope), stmt.test, f"cannot decide `while {_short(stmt.test)}`"):
            count += 1
            if count > MAX_ITERATIONS:
                raise self.limit(stmt, f"a loop of more than {MAX_ITERATIONS:,} iterations")
            signal = self.exec_body(stmt.body, scope)
            if signal is _BREAK:
                return None
            if isinstance(signal, _Return):
                return signal
        return self.exec_body(stmt.orelse, scope)

    def s_FunctionDef(self, stmt: ast.FunctionDef, scope: V.Scope) -> None:
        function = self.make_function(stmt, scope)
        value: Any = function
        for decorator in reversed(stmt.decorator_list):
            value = self.decorate(decorator, value, scope)
        self.store(stmt.name, value, scope)

    s_AsyncFunctionDef = s_FunctionDef

    def decorate(self, decorator: ast.expr, value: Any, scope: V.Scope) -> Any:
        name = _dotted(decorator)
        last = name.rsplit(".", 1)[-1]
        if isinstance(value, V.Function) and last in ("staticmethod", "classmethod", "property"):
            value.kind = last
            return value
        if last in ("setter", "getter", "deleter"):
            return self.lookup(name.split(".")[0], scope, decorator) if "." in name else value
        deco = self.eval(decorator, scope)
        if isinstance(deco, V.Unknown):
            return V.Unknown(f"{_short(decorator)} decorates {getattr(value, 'name', 'it')}: {deco.reason}")
        return self.call(deco, [value], {}, decorator)

    def make_function(self, node: ast.FunctionDef | ast.Lambda, scope: V.Scope) -> V.Function:
        args = node.args
        defaults = [self.eval(d, scope) for d in args.defaults]
        kw_defaults = {a.arg: self.eval(d, scope) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
        closure = scope
        while closure is not None and closure.is_class:  # methods do not see the class body's names
            closure = closure.parent if closure.parent is not None else closure.module
        name = getattr(node, "name", "<lambda>")
        owner = scope.vars.get("__class_object__") if scope.is_class else None
        qualname = f"{owner.name}.{name}" if owner is not None else name
        return V.Function(node, closure or scope.module, name, qualname, defaults, kw_defaults, owner=owner)

    def s_ClassDef(self, stmt: ast.ClassDef, scope: V.Scope) -> None:
        bases = [self.eval(b, scope) for b in stmt.bases]
        for b in bases:
            if isinstance(b, V.Unknown):
                cls = V.Unknown(f"class {stmt.name} at {self.where(stmt)} derives from {_short(stmt.bases[0])}: "
                                f"{b.reason}")
                self.store(stmt.name, cls, scope)
                return
        cls = V.Class(stmt.name, bases, {}, stmt, origin=self.origin)
        cls.mro = self.linearize(cls, stmt)
        body = V.Scope(scope if not isinstance(scope, V.ModuleScope) else None, scope.module, is_class=True)
        body.vars["__class_object__"] = cls
        body.vars["__module__"] = scope.module.vars.get("__name__") if scope.module else None
        body.vars["__qualname__"] = stmt.name
        self.class_body(stmt.body, body, scope)
        body.vars.pop("__class_object__", None)
        cls.ns = body.vars
        value: Any = cls
        for decorator in reversed(stmt.decorator_list):
            value = self.decorate(decorator, value, scope)
        self.store(stmt.name, value, scope)

    def class_body(self, body: list[ast.stmt], scope: V.Scope, outer: V.Scope) -> None:
        # a class body reads its own names first, then the enclosing function's or the module's
        scope.parent = outer if not isinstance(outer, V.ModuleScope) else None
        self.exec_body(body, scope)

    def linearize(self, cls: V.Class, node: ast.AST) -> list[Any]:
        """C3 linearisation of the class's bases (Python's MRO)."""
        sequences = []
        for b in cls.bases:
            if isinstance(b, (V.Class, V.TorchClass)):
                sequences.append(list(b.mro))
            elif isinstance(b, V.PyType) and b.name == "object":
                continue
            else:
                raise self.fail(node, f"class {cls.name}: its base {V.describe(b)} is not a class convcalc reads")
        sequences.append([b for b in cls.bases if isinstance(b, (V.Class, V.TorchClass))])
        out = [cls]
        while True:
            sequences = [s for s in sequences if s]
            if not sequences:
                return out
            for seq in sequences:
                head = seq[0]
                if not any(head in s[1:] for s in sequences):
                    break
            else:
                raise self.fail(node, f"class {cls.name}: no consistent method resolution order")
            out.append(head)
            for seq in sequences:
                if seq and seq[0] is head:
                    del seq[0]

    def s_Import(self, stmt: ast.Import, scope: V.Scope) -> None:
        for alias in stmt.names:
            if alias.asname:
                self.store(alias.asname, self.import_module(alias.name, 0, stmt), scope)
            else:
                top = alias.name.split(".")[0]
                self.import_module(alias.name, 0, stmt)
                self.store(top, self.import_module(top, 0, stmt), scope)

    def s_ImportFrom(self, stmt: ast.ImportFrom, scope: V.Scope) -> None:
        module = self.import_module(stmt.module or "", stmt.level or 0, stmt)
        for alias in stmt.names:
            if alias.name == "*":
                if isinstance(module, V.Namespace):
                    for key, value in module.members.items():
                        if not key.startswith("_"):
                            self.store(key, value, scope)
                elif isinstance(module, V.ModuleScope):
                    for key, value in module.vars.items():
                        if not key.startswith("_"):
                            self.store(key, value, scope)
                continue
            self.store(alias.asname or alias.name, self.module_member(module, alias.name, stmt), scope)

    def import_module(self, name: str, level: int, node: ast.AST) -> Any:
        """A module as convcalc models it: torch & co (:mod:`.torchlib`), a user's file given with the
        model, or an unmodelled namespace whose every name is unknown."""
        if level == 0:
            modelled = self.lib.module(name)
            if modelled is not None:
                return modelled
        if self.resolver is not None:
            found = self.resolver(name, level, self.origin)
            if found is not None:
                key, origin, text = found
                if key in self.modules:
                    return self.modules[key]
                if key in self.loading:
                    raise self.fail(node, f"importing {name or '.'} again while it is being read (an import cycle)")
                self.loading.append(key)
                saved = self.frames
                self.frames = []
                try:
                    module = self.run_module(text, origin, name=key)
                finally:
                    self.frames = saved
                    self.loading.pop()
                self.modules[key] = module
                return module
        dotted = "." * level + name
        return V.Namespace(dotted, {}, modelled=False, where=self.where(node))

    def module_member(self, module: Any, name: str, node: ast.AST) -> Any:
        if isinstance(module, V.ModuleScope):
            if name in module.vars:
                return module.vars[name]
            return self.import_module_attr(module, name, node)
        if isinstance(module, V.Namespace):
            if name in module.members:
                return module.members[name]
            sub = self.lib.module(f"{module.name}.{name}") if module.modelled else None
            if sub is not None:
                return sub
            if module.modelled:
                from ...errors import did_you_mean

                close = did_you_mean(name, [k for k in module.members if not k.startswith("_")])
                if close and name not in _KNOWN_UNMODELLED:
                    return V.Unknown(f"{module.name} has no {name} ({close})")
                return V.Unknown(f"{module.name}.{name} is not modelled by convcalc")
            return V.Unknown(f"{name} comes from {module.name}, which convcalc does not read (imported at "
                             f"{module.where or self.where(node)})")
        return self.getattr(module, name, node)

    def import_module_attr(self, module: V.ModuleScope, name: str, node: ast.AST) -> Any:
        return V.Unknown(f"{module.origin} has no {name} (imported at {self.where(node)})")

    def s_Raise(self, stmt: ast.Raise, scope: V.Scope) -> None:
        if stmt.exc is None:
            raise self.raise_py("RuntimeError", "re-raised", stmt)
        exc = self.eval(stmt.exc, scope)
        if isinstance(exc, V.PyRaiseValue):
            raise PyRaise(exc.type_name, exc.message, self.where(stmt))
        if isinstance(exc, V.PyType) and exc.name.endswith(("Error", "Exception")):
            raise PyRaise(exc.name, "", self.where(stmt))
        if isinstance(exc, V.Instance):
            raise PyRaise(exc.cls.name, str(exc.attrs.get("args", "")), self.where(stmt))
        raise PyRaise("Exception", _short(stmt.exc), self.where(stmt))

    def s_Try(self, stmt: ast.Try, scope: V.Scope) -> Any:
        try:
            signal = self.exec_body(stmt.body, scope)
        except PyRaise as exc:
            for handler in stmt.handlers:
                if self.handles(handler, exc, scope):
                    if handler.name:
                        self.store(handler.name, V.PyRaiseValue(exc.type_name, exc.message), scope)
                    signal = self.exec_body(handler.body, scope)
                    break
            else:
                self.exec_body(stmt.finalbody, scope)
                raise
        else:
            if signal is None:
                signal = self.exec_body(stmt.orelse, scope)
        final = self.exec_body(stmt.finalbody, scope)
        return final if final is not None else signal

    s_TryStar = s_Try

    def handles(self, handler: ast.ExceptHandler, exc: PyRaise, scope: V.Scope) -> bool:
        if handler.type is None:
            return True
        names = [_dotted(e) for e in (handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type])]
        family = _EXCEPTION_FAMILY.get(exc.type_name, (exc.type_name,))
        return any(n.rsplit(".", 1)[-1] in (*family, "Exception", "BaseException") for n in names)

    def s_With(self, stmt: ast.With, scope: V.Scope) -> Any:
        for item in stmt.items:
            value = self.eval(item.context_expr, scope)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value, scope)
        return self.exec_body(stmt.body, scope)

    s_AsyncWith = s_With

    def s_Assert(self, stmt: ast.Assert, scope: V.Scope) -> None:
        value = self.eval(stmt.test, scope)
        if isinstance(value, (V.Unknown, V.Tensor)) or (isinstance(value, V.Size) and value.value is None):
            return  # an assertion on what is not known checks nothing convcalc needs
        if not self.truth(value, stmt.test, "assert"):
            message = self.eval(stmt.msg, scope) if stmt.msg is not None else _short(stmt.test)
            raise PyRaise("AssertionError", str(message), self.where(stmt))
        return

    def s_Delete(self, stmt: ast.Delete, scope: V.Scope) -> None:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                s = scope
                while s is not None and target.id not in s.vars:
                    s = s.parent
                (s or scope.module).vars.pop(target.id, None)
            elif isinstance(target, ast.Subscript):
                obj = self.eval(target.value, scope)
                key = self.eval(target.slice, scope)
                if isinstance(obj, (list, dict)):
                    try:
                        del obj[key]
                    except (KeyError, IndexError, TypeError) as exc:
                        raise self.raise_py(type(exc).__name__, str(exc), target) from None
                elif isinstance(obj, V.Module):
                    self.lib.module_delitem(obj, key, target)
            elif isinstance(target, ast.Attribute):
                obj = self.eval(target.value, scope)
                if isinstance(obj, V.Module):
                    obj.modules.pop(target.attr, None)
                    obj.attrs.pop(target.attr, None)
                elif isinstance(obj, V.Instance):
                    obj.attrs.pop(target.attr, None)

    def s_Global(self, stmt: ast.Global, scope: V.Scope) -> None:
        scope.globals_.update(stmt.names)

    def s_Nonlocal(self, stmt: ast.Nonlocal, scope: V.Scope) -> None:
        scope.nonlocals.update(stmt.names)

    # ------------------------------------------------------------------
    # Names and assignment
    # ------------------------------------------------------------------
    def lookup(self, name: str, scope: V.Scope, node: ast.AST) -> Any:
        s = scope
        if name in s.globals_:
            s = s.module
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        module = scope.module
        if module is not None and name in module.vars:
            return module.vars[name]
        if name in self.builtins:
            return self.builtins[name]
        if name in _UNMODELLED_BUILTINS:
            return V.Unknown(f"the built-in {name}() is not available to model code read by convcalc")
        # undefined: an error only where something needs it (a pasted snippet's `.to(device)` needs nothing)
        return V.Unknown(f"name {name!r} is not defined (at {self.where(node)})")

    def store(self, name: str, value: Any, scope: V.Scope) -> None:
        if name in scope.globals_:
            scope.module.vars[name] = value
            return
        if name in scope.nonlocals:
            s = scope.parent
            while s is not None and name not in s.vars:
                s = s.parent
            if s is not None:
                s.vars[name] = value
                return
        scope.vars[name] = value

    def assign(self, target: ast.expr, value: Any, scope: V.Scope) -> None:
        if isinstance(target, ast.Name):
            self.store(target.id, value, scope)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, value, scope)
        elif isinstance(target, ast.Attribute):
            self.setattr(self.eval(target.value, scope), target.attr, value, target)
        elif isinstance(target, ast.Subscript):
            self.setitem(self.eval(target.value, scope), self.eval(target.slice, scope), value, target)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, scope)
        else:
            raise self.fail(target, f"cannot assign to `{_short(target)}`")

    def unpack(self, target: ast.Tuple | ast.List, value: Any, scope: V.Scope) -> None:
        if isinstance(value, V.Unknown):
            for element in target.elts:
                self.assign(element.value if isinstance(element, ast.Starred) else element, value, scope)
            return
        items = self.materialize(value, target)
        starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        if starred:
            i = starred[0]
            after = len(target.elts) - i - 1
            if len(items) < len(target.elts) - 1:
                raise self.raise_py("ValueError", f"not enough values to unpack (expected at least "
                                                  f"{len(target.elts) - 1}, got {len(items)})", target)
            parts = [*items[:i], list(items[i:len(items) - after]), *items[len(items) - after:]]
        else:
            if len(items) != len(target.elts):
                raise self.raise_py("ValueError", f"cannot unpack {len(items)} values into {len(target.elts)} "
                                                  "names", target)
            parts = items
        for element, item in zip(target.elts, parts):
            self.assign(element, item, scope)

    # ------------------------------------------------------------------
    # Expressions
    # ------------------------------------------------------------------
    def eval(self, node: ast.expr, scope: V.Scope) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.step(node)
        method = self._expressions.get(type(node))
        if method is None:
            raise self.fail(node, f"`{_short(node)}`: {type(node).__name__} expressions are not read")
        return method(node, scope)

    def e_Constant(self, node: ast.Constant, scope: V.Scope) -> Any:
        if isinstance(node.value, str):
            self.check_size(len(node.value), node, "a string")
        return node.value

    def e_Name(self, node: ast.Name, scope: V.Scope) -> Any:
        return self.lookup(node.id, scope, node)

    def e_Attribute(self, node: ast.Attribute, scope: V.Scope) -> Any:
        return self.getattr(self.eval(node.value, scope), node.attr, node)

    def e_Subscript(self, node: ast.Subscript, scope: V.Scope) -> Any:
        obj = self.eval(node.value, scope)
        if isinstance(obj, V.Opaque) or (isinstance(obj, V.PyType) and obj.name in _GENERIC):
            return obj  # a type annotation: List[int], Optional[nn.Module]
        return self.getitem(obj, self.eval(node.slice, scope), node)

    def e_Slice(self, node: ast.Slice, scope: V.Scope) -> slice:
        parts = [None if p is None else self.eval(p, scope) for p in (node.lower, node.upper, node.step)]
        return slice(*[self.need(p, node, "a slice bound") if isinstance(p, (V.Unknown, V.Size)) else p
                       for p in parts])

    def e_Tuple(self, node: ast.Tuple, scope: V.Scope) -> tuple:
        return tuple(self.elements(node.elts, scope, node))

    def e_List(self, node: ast.List, scope: V.Scope) -> list:
        return self.elements(node.elts, scope, node)

    def e_Set(self, node: ast.Set, scope: V.Scope) -> set:
        items = self.elements(node.elts, scope, node)
        try:
            return set(items)
        except TypeError as exc:
            raise self.raise_py("TypeError", str(exc), node) from None

    def elements(self, elts: list[ast.expr], scope: V.Scope, node: ast.AST) -> list:
        out: list = []
        for e in elts:
            if isinstance(e, ast.Starred):
                out.extend(self.materialize(self.eval(e.value, scope), e))
            else:
                out.append(self.eval(e, scope))
            self.check_size(len(out), node)
        return out

    def e_Dict(self, node: ast.Dict, scope: V.Scope) -> dict:
        out: dict = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                value = self.eval(v, scope)
                if not isinstance(value, dict):
                    raise self.fail(v, f"**{_short(v)}: not a dict convcalc knows")
                out.update(value)
            else:
                self.setkey(out, self.eval(k, scope), self.eval(v, scope), k)
            self.check_size(len(out), node)
        return out

    def setkey(self, d: dict, key: Any, value: Any, node: ast.AST) -> None:
        try:
            d[key] = value
        except TypeError as exc:
            raise self.raise_py("TypeError", str(exc), node) from None

    def e_JoinedStr(self, node: ast.JoinedStr, scope: V.Scope) -> Any:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            v = self.eval(value.value, scope)
            if isinstance(v, V.Unknown):
                return v
            spec = "" if value.format_spec is None else self.e_JoinedStr(value.format_spec, scope)
            if isinstance(spec, V.Unknown):
                return spec
            parts.append(self.format_value(v, spec, value.conversion, node))
            self.check_size(sum(len(p) for p in parts), node, "a string")
        return "".join(parts)

    def format_value(self, v: Any, spec: str, conversion: int, node: ast.AST) -> str:
        if isinstance(v, V.Size):
            v = v.value if v.value is not None else "?"
        if any(len(d) > 4 for d in re.findall(r"\d+", spec)):
            raise self.limit(node, f"a format width in {spec!r}")
        if conversion == ord("r"):
            v = repr(v) if isinstance(v, _NATIVE) else V.describe(v)
        if not isinstance(v, (*_NATIVE, list, tuple, dict)):
            v = V.describe(v)
        try:
            return format(v, spec)
        except (ValueError, TypeError) as exc:
            raise self.raise_py(type(exc).__name__, str(exc), node) from None

    def e_FormattedValue(self, node, scope):
        return self.e_JoinedStr(ast.JoinedStr(values=[node]), scope)

    def e_IfExp(self, node: ast.IfExp, scope: V.Scope) -> Any:
        test = self.truth(self.eval(node.test, scope), node.test, f"cannot decide `{_short(node)}`")
        return self.eval(node.body if test else node.orelse, scope)

    def e_BoolOp(self, node: ast.BoolOp, scope: V.Scope) -> Any:
        is_or = isinstance(node.op, ast.Or)
        value = None
        for operand in node.values:
            value = self.eval(operand, scope)
            if isinstance(value, V.Unknown):
                return value
            if self.truth(value, operand, f"cannot decide `{_short(node)}`") == is_or:
                return value
        return value

    def e_UnaryOp(self, node: ast.UnaryOp, scope: V.Scope) -> Any:
        value = self.eval(node.operand, scope)
        if isinstance(node.op, ast.Not):
            if isinstance(value, V.Unknown):
                return value
            return not self.truth(value, node.operand, f"cannot decide `{_short(node)}`")
        if isinstance(value, V.Unknown):
            return value
        if isinstance(value, V.Tensor):
            return self.lib.tensor_unary(node.op, value, node)
        if isinstance(value, V.Size):
            if isinstance(node.op, ast.USub):
                return V.Size(None if value.value is None else -value.value, ("neg", value.expr))
            return value
        try:
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return +value
            if isinstance(node.op, ast.Invert):
                return ~value
        except TypeError as exc:
            raise self.raise_py("TypeError", str(exc), node) from None
        raise self.fail(node, "this operator is not read")

    def e_BinOp(self, node: ast.BinOp, scope: V.Scope) -> Any:
        return self.binop(node.op, self.eval(node.left, scope), self.eval(node.right, scope), node)

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST, inplace: bool = False) -> Any:
        unknown = V.first_unknown(a, b) if isinstance(a, V.Unknown) or isinstance(b, V.Unknown) else None
        if unknown is not None:
            return unknown
        if isinstance(a, V.Tensor) or isinstance(b, V.Tensor):
            return self.lib.tensor_binop(op, a, b, node, inplace)
        if isinstance(a, V.Size) or isinstance(b, V.Size):
            return self.size_binop(op, a, b, node)
        if isinstance(a, (V.ExampleTensor, V.Param)) or isinstance(b, (V.ExampleTensor, V.Param)):
            return V.Unknown(f"arithmetic on a tensor outside forward() at {self.where(node)}")
        if not isinstance(a, (*_NATIVE, list, tuple, dict, set, frozenset)) or \
                not isinstance(b, (*_NATIVE, list, tuple, dict, set, frozenset)):
            return self.object_binop(op, a, b, node)
        kind = type(op)
        if kind is ast.Pow and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            # b past the limit first: b · log2|a| with b over 1e308 is no float (2 ** 10 ** 309, a fuzz finding)
            if b > MAX_INT_BITS or b * math.log2(abs(a)) > MAX_INT_BITS:
                raise self.limit(node, f"{_int_text(a)} ** {_int_text(b)} is an integer of more than {MAX_INT_BITS} "
                                       "bits")
        if kind is ast.LShift and isinstance(b, int) and b > MAX_INT_BITS:
            raise self.limit(node, f"{a} << {b} is an integer of more than {MAX_INT_BITS} bits")
        if kind is ast.Mult:
            for seq, n in ((a, b), (b, a)):
                if isinstance(seq, (str, list, tuple, bytes)) and isinstance(n, int):
                    self.check_size(len(seq) * max(n, 0), node, "a sequence")
                    self.charge(len(seq) * max(n, 0))
        if kind is ast.Add and isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
            self.check_size(len(a) + len(b), node, "a sequence")
            self.charge(len(a) + len(b))
        if kind is ast.Mod and isinstance(a, str):
            if any(len(d) > 4 for d in re.findall(r"\d+", a)):
                raise self.limit(node, "a format width")
        try:
            return self.check_int(_BINARY[kind](a, b), node)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, ArithmeticError) as exc:
            raise self.raise_py(type(exc).__name__, str(exc), node) from None
        except KeyError:
            raise self.fail(node, "this operator is not read") from None

    def size_binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        """Arithmetic on sizes read off tensors: the number where known, and how it was computed."""
        kind = type(op)
        if kind not in (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Div, ast.Mod, ast.Pow):
            raise self.fail(node, f"`{_SYMBOL.get(kind, '?')}` on a tensor size is not read")
        for v in (a, b):
            if not isinstance(v, (V.Size, int, float)) or isinstance(v, bool):
                if isinstance(v, (tuple, list)) and kind is ast.Mult:
                    return self.binop(op, a.value if isinstance(a, V.Size) else a,
                                      b.value if isinstance(b, V.Size) else b, node)
                raise self.raise_py("TypeError", f"unsupported operand for a size: {V.describe(v)}", node)
        va = a.value if isinstance(a, V.Size) else a
        vb = b.value if isinstance(b, V.Size) else b
        value = None
        if va is not None and vb is not None:
            value = self.binop(op, va, vb, node)
        expr = (_SYMBOL[kind], V.size_expr(a), V.size_expr(b))
        if isinstance(value, float) and kind is ast.Div:
            return value  # a ratio of sizes: a number
        return V.Size(value, expr)

    def object_binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        if isinstance(a, V.Instance):
            dunder = _DUNDER.get(type(op))
            found = a.cls.lookup(dunder) if dunder else None
            if found is not None:
                return self.call(V.BoundMethod(found[0], a), [b], {}, node)
        if isinstance(a, V.Module) and isinstance(b, V.Module) and isinstance(op, ast.Add):
            return self.lib.module_add(a, b, node)
        if isinstance(a, (V.Opaque,)) or isinstance(b, V.Opaque):
            return V.Opaque("an opaque value")
        raise self.raise_py("TypeError", f"unsupported operand types for {_SYMBOL.get(type(op), '?')}: "
                                         f"{V.describe(a)} and {V.describe(b)}", node)

    def e_Compare(self, node: ast.Compare, scope: V.Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node, scope)
            value = self.compare(op, left, right, node)
            if isinstance(value, V.Unknown):
                return value
            if not value:
                return False
            result = value
            left = right
        return result

    def compare(self, op: ast.cmpop, a: Any, b: Any, node: ast.AST) -> Any:
        if isinstance(op, ast.Is):
            return self.identical(a, b, node)
        if isinstance(op, ast.IsNot):
            same = self.identical(a, b, node)
            return same if isinstance(same, V.Unknown) else not same
        if isinstance(op, (ast.In, ast.NotIn)):
            inside = self.contains(b, a, node)
            if isinstance(inside, V.Unknown):
                return inside
            return inside if isinstance(op, ast.In) else not inside
        unknown = V.first_unknown(a, b)
        if unknown is not None:
            return unknown
        if isinstance(a, V.Size) or isinstance(b, V.Size):
            va = a.value if isinstance(a, V.Size) else a
            vb = b.value if isinstance(b, V.Size) else b
            if va is None or vb is None:
                which = a if isinstance(a, V.Size) and a.value is None else b
                return V.Unknown(f"it compares a size that depends on the "
                                 f"{'batch size' if which.batch else 'input shape (pass --input)'}")
            a, b = va, vb
        if isinstance(a, V.Tensor) or isinstance(b, V.Tensor):
            raise self.fail(node, "comparing tensors' values is not read: convcalc knows shapes, not values")
        if isinstance(op, (ast.Eq, ast.NotEq)) and not (isinstance(a, _NATIVE + (list, tuple, dict, set))
                                                        and isinstance(b, _NATIVE + (list, tuple, dict, set))):
            same = a is b
            return same if isinstance(op, ast.Eq) else not same
        try:
            return _COMPARE[type(op)](a, b)
        except TypeError as exc:
            raise self.raise_py("TypeError", str(exc), node) from None

    def identical(self, a: Any, b: Any, node: ast.AST) -> Any:
        if isinstance(a, V.Unknown) or isinstance(b, V.Unknown):
            return V.first_unknown(a, b)
        if type(a) in (int, float, str) and type(a) is type(b):
            return a == b  # small ints and interned strings: `x is 1` as CPython would say
        return a is b

    def contains(self, container: Any, item: Any, node: ast.AST) -> Any:
        unknown = V.first_unknown(container, item) if not isinstance(container, (list, tuple, dict, set)) \
            else (item if isinstance(item, V.Unknown) else None)
        if unknown is not None:
            return unknown
        if isinstance(container, V.Module):
            return self.lib.module_contains(container, item, node)
        if isinstance(container, (list, tuple)):
            for e in container:
                if isinstance(e, V.Unknown):
                    return e
                if e is item or (type(e) in (int, float, str, bool) and type(item) in (int, float, str, bool)
                                 and e == item) or (isinstance(e, (list, tuple)) and e == item):
                    return True
            return False
        if isinstance(container, (str, dict, set, frozenset, range)):
            try:
                return item in container
            except TypeError as exc:
                raise self.raise_py("TypeError", str(exc), node) from None
        raise self.raise_py("TypeError", f"`in` on {V.describe(container)}", node)

    def e_Lambda(self, node: ast.Lambda, scope: V.Scope) -> V.Function:
        return self.make_function(node, scope)

    def e_NamedExpr(self, node: ast.NamedExpr, scope: V.Scope) -> Any:
        value = self.eval(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def e_Starred(self, node: ast.Starred, scope: V.Scope) -> Any:
        raise self.fail(node, "a starred expression here is not read")

    # comprehensions: eager, each in its own scope, bounded by the loop limit
    def comprehension(self, node, scope: V.Scope, produce) -> None:
        inner = V.Scope(scope)
        count = [0]

        def run(generators: list[ast.comprehension]) -> None:
            gen, rest = generators[0], generators[1:]
            iterable = self.eval(gen.iter, scope if gen is node.generators[0] else inner)
            for item in self.iterate(iterable, gen.iter):
                count[0] += 1
                if count[0] > MAX_ITERATIONS:
                    raise self.limit(node, f"a comprehension of more than {MAX_ITERATIONS:,} iterations")
                self.assign(gen.target, item, inner)
                if all(self.truth(self.eval(c, inner), c, f"cannot decide `if {_short(c)}`") for c in gen.ifs):
                    if rest:
                        run(rest)
                    else:
                        produce(inner)

        run(node.generators)

    def e_ListComp(self, node: ast.ListComp, scope: V.Scope) -> list:
        out: list = []

        def produce(inner):
            out.append(self.eval(node.elt, inner))
            self.check_size(len(out), node, "a list")

        self.comprehension(node, scope, produce)
        return out

    e_GeneratorExp = e_ListComp

    def e_SetComp(self, node: ast.SetComp, scope: V.Scope) -> set:
        return set(self.e_ListComp(node, scope))

    def e_DictComp(self, node: ast.DictComp, scope: V.Scope) -> dict:
        out: dict = {}

        def produce(inner):
            self.setkey(out, self.eval(node.key, inner), self.eval(node.value, inner), node)
            self.check_size(len(out), node, "a dict")

        self.comprehension(node, scope, produce)
        return out

    def e_Await(self, node, scope):
        raise self.fail(node, "await is not read")

    def e_Yield(self, node, scope):
        raise self.fail(node, "generators (yield) are not read")

    e_YieldFrom = e_Yield

    # ------------------------------------------------------------------
    # Calls
    # ------------------------------------------------------------------
    def e_Call(self, node: ast.Call, scope: V.Scope) -> Any:
        func_node = node.func
        if isinstance(func_node, ast.Name) and func_node.id == "super" and not node.args:
            return self.zero_arg_super(node, scope)
        func = self.eval(func_node, scope)
        args: list = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                value = self.eval(a.value, scope)
                if isinstance(value, V.Unknown):
                    return V.UnknownCall(f"*{_short(a.value)}: {value.reason}")
                args.extend(self.materialize(value, a))
            else:
                args.append(self.eval(a, scope))
        kwargs: dict = {}
        for kw in node.keywords:
            value = self.eval(kw.value, scope)
            if kw.arg is None:
                if isinstance(value, V.Unknown):
                    return V.UnknownCall(f"**{_short(kw.value)}: {value.reason}")
                if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                    raise self.fail(kw.value, f"**{_short(kw.value)}: not a dict of names convcalc knows")
                kwargs.update(value)
            else:
                kwargs[kw.arg] = value
        return self.call(func, args, kwargs, node)

    def zero_arg_super(self, node: ast.Call, scope: V.Scope) -> V.Super:
        s = scope
        while s is not None and "__class__" not in s.vars:
            s = s.parent
        if s is None:
            raise self.fail(node, "super() outside a method")
        owner = s.vars["__class__"]
        obj = s.vars.get("__self__")
        if obj is None:
            raise self.fail(node, "super() in a method without self")
        return V.Super(owner, obj)

    def call(self, func: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        if isinstance(func, V.Function):
            if func.kind == "property":
                raise self.raise_py("TypeError", "a property is not callable", node)
            return self.call_function(func, args, kwargs, node)
        if isinstance(func, V.BoundMethod):
            fn = func.function
            if isinstance(fn, V.Builtin):
                return fn.fn(self, node, [func.self_, *args], kwargs)
            return self.call(fn, [func.self_, *args], kwargs, node)
        if isinstance(func, V.Builtin):
            return func.fn(self, node, args, kwargs)
        if isinstance(func, V.Class):
            return self.lib.instantiate(func, args, kwargs, node)
        if isinstance(func, V.TorchClass):
            return self.lib.instantiate_torch(func, args, kwargs, node)
        if isinstance(func, V.Partial):
            return self.call(func.func, [*func.args, *args], {**func.kwargs, **kwargs}, node)
        if isinstance(func, V.PyType):
            return func.make(self, node, args, kwargs)
        if isinstance(func, V.Module):
            return self.lib.call_module(func, args, kwargs, node)
        if isinstance(func, V.Instance):
            found = func.cls.lookup("__call__")
            if found is not None:
                return self.call(V.BoundMethod(found[0], func), args, kwargs, node)
        if isinstance(func, V.Unknown):
            harmless = isinstance(func, V.UnknownCall) and func.harmless
            return V.UnknownCall(f"{_short(getattr(node, 'func', node))}: {func.reason}", harmless=harmless)
        if isinstance(func, V.Namespace):
            return V.UnknownCall(f"{func.name} is not callable as convcalc models it")
        if isinstance(func, V.Opaque):
            return V.UnknownCall(f"{_short(getattr(node, 'func', node))} is not modelled")
        if isinstance(func, V.PyRaiseValue):
            raise self.raise_py("TypeError", "an exception is not callable", node)
        raise self.raise_py("TypeError", f"{V.describe(func)} is not callable", node)

    def call_function(self, func: V.Function, args: list, kwargs: dict, node: ast.AST, *,
                      self_value: Any = None) -> Any:
        if len(self.frames) >= MAX_DEPTH:
            raise self.limit(node, f"calls nested more than {MAX_DEPTH} deep (endless recursion?)")
        scope = V.Scope(func.closure)
        self.bind(func, args, kwargs, scope, node)
        if func.owner is not None:
            scope.vars["__class__"] = func.owner
            first = _first_param(func.node)
            if first is not None and first in scope.vars:
                scope.vars["__self__"] = scope.vars[first]
        origin = func.closure.module.origin if func.closure.module is not None else self.origin
        self.frames.append(Frame(func.qualname, self.origin, node))
        saved, self.origin = self.origin, origin
        level, self.module_level = self.module_level, 0
        try:
            if isinstance(func.node, ast.Lambda):
                return self.eval(func.node.body, scope)
            if _is_generator(func.node):
                raise self.fail(func.node, f"{func.qualname} is a generator: generators are not read")
            signal = self.exec_body(func.node.body, scope)
            if isinstance(signal, _Return):
                return signal.value
            if signal is _BREAK or signal is _CONTINUE:
                raise self.fail(func.node, "break/continue outside a loop")
            return None
        finally:
            self.origin = saved
            self.module_level = level
            self.frames.pop()

    def bind(self, func: V.Function, args: list, kwargs: dict, scope: V.Scope, node: ast.AST) -> None:
        """Python's argument binding: positional, defaults, keyword-only, ``*args``, ``**kwargs``."""
        spec = func.node.args
        positional = [a.arg for a in (*spec.posonlyargs, *spec.args)]
        n_defaults = len(spec.defaults)
        values = scope.vars
        name = func.qualname
        for i, value in enumerate(args[:len(positional)]):
            values[positional[i]] = value
        extra = args[len(positional):]
        if extra:
            if spec.vararg is None:
                raise self.raise_py("TypeError", f"{name}() takes {len(positional)} positional arguments but "
                                                 f"{len(args)} were given", node)
            values[spec.vararg.arg] = tuple(extra)
        elif spec.vararg is not None:
            values[spec.vararg.arg] = ()
        rest: dict = {}
        posonly = {a.arg for a in spec.posonlyargs}
        kwonly = [a.arg for a in spec.kwonlyargs]
        for key, value in kwargs.items():
            if (key in positional and key not in posonly) or key in kwonly:
                if key in values and key != (spec.vararg.arg if spec.vararg else None):
                    raise self.raise_py("TypeError", f"{name}() got multiple values for argument {key!r}", node)
                values[key] = value
            elif spec.kwarg is not None:
                rest[key] = value
            else:
                raise self.raise_py("TypeError", f"{name}() got an unexpected keyword argument {key!r}", node)
        if spec.kwarg is not None:
            values[spec.kwarg.arg] = rest
        for i, pname in enumerate(positional):
            if pname not in values:
                d = i - (len(positional) - n_defaults)
                if d >= 0:
                    values[pname] = func.defaults[d]
                else:
                    raise self.raise_py("TypeError", f"{name}() missing required argument {pname!r}", node)
        for pname in kwonly:
            if pname not in values:
                if pname in func.kw_defaults:
                    values[pname] = func.kw_defaults[pname]
                else:
                    raise self.raise_py("TypeError", f"{name}() missing required keyword argument {pname!r}", node)

    # ------------------------------------------------------------------
    # Attributes, items, iteration, truth
    # ------------------------------------------------------------------
    def getattr(self, obj: Any, name: str, node: ast.AST) -> Any:
        if isinstance(obj, V.Unknown):
            return obj
        return self.lib.getattr(obj, name, node)

    def setattr(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        self.lib.setattr(obj, name, value, node)

    def getitem(self, obj: Any, index: Any, node: ast.AST) -> Any:
        if isinstance(obj, V.Unknown):
            return obj
        if isinstance(index, V.Unknown):
            if isinstance(obj, (list, tuple, dict)):
                return index
        if isinstance(index, V.Size):
            index = self.need(index, node, "an index")
        if isinstance(obj, (list, tuple, str, range)):
            if isinstance(index, tuple) or isinstance(index, V.Unknown):
                raise self.raise_py("TypeError", "indices must be integers or slices", node)
            try:
                result = obj[index]
            except (IndexError, TypeError, ValueError) as exc:
                raise self.raise_py(type(exc).__name__, str(exc), node) from None
            return result
        if isinstance(obj, dict):
            try:
                return obj[index]
            except KeyError:
                raise self.raise_py("KeyError", repr(index), node) from None
            except TypeError as exc:
                raise self.raise_py("TypeError", str(exc), node) from None
        return self.lib.getitem(obj, index, node)

    def setitem(self, obj: Any, index: Any, value: Any, node: ast.AST) -> None:
        if isinstance(index, V.Size):
            index = self.need(index, node, "an index")
        if isinstance(obj, list):
            try:
                obj[index] = value
            except (IndexError, TypeError) as exc:
                raise self.raise_py(type(exc).__name__, str(exc), node) from None
            self.check_size(len(obj), node, "a list")
            return
        if isinstance(obj, dict):
            self.setkey(obj, index, value, node)
            self.check_size(len(obj), node, "a dict")
            return
        self.lib.setitem(obj, index, value, node)

    def iterate(self, value: Any, node: ast.AST) -> Iterator[Any]:
        if isinstance(value, (list, tuple, str, range, set, frozenset)):
            return iter(value)
        if isinstance(value, dict):
            return iter(list(value))
        if isinstance(value, V.Unknown):
            raise self.fail(node, f"cannot iterate over `{_short(node)}`: {value.reason}")
        if isinstance(value, _LazyIterator) or hasattr(value, "bounded_iterator"):
            return value
        return self.lib.iterate(value, node)

    def materialize(self, value: Any, node: ast.AST) -> list:
        """A list of an iterable's items, bounded."""
        if isinstance(value, (list, tuple)):
            self.charge(len(value))
            return list(value)
        if isinstance(value, (range, str, dict, set, frozenset)):
            size = _length(value)
            self.check_size(size, node)
            self.charge(size)
            return list(value)
        out = []
        for item in self.iterate(value, node):
            out.append(item)
            self.check_size(len(out), node)
        return out

    def truth(self, value: Any, node: ast.AST, what: str) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float, str, list, tuple, dict, set, range, type(None), frozenset)):
            return bool(value)
        if isinstance(value, V.Size):
            return bool(self.need(value, node, what))
        if isinstance(value, V.Unknown):
            raise self.fail(node, f"{what}: {value.reason}")
        if isinstance(value, V.Tensor):
            raise self.fail(node, f"{what}: it tests a tensor's values; convcalc knows shapes, not values")
        if isinstance(value, V.Module):
            return self.lib.module_truth(value, node)
        if isinstance(value, V.Instance):
            for dunder in ("__bool__", "__len__"):
                found = value.cls.lookup(dunder)
                if found is not None:
                    return bool(self.truth(self.call(V.BoundMethod(found[0], value), [], {}, node), node, what))
        return True


class _LazyIterator:
    """An iterator produced by convcalc itself (itertools), already bounded by the loop limits."""

    def __init__(self, it):
        self.it = iter(it)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.it)


_EXCEPTION_FAMILY = {
    "KeyError": ("KeyError", "LookupError"), "IndexError": ("IndexError", "LookupError"),
    "ZeroDivisionError": ("ZeroDivisionError", "ArithmeticError"), "OverflowError": ("OverflowError",
                                                                                    "ArithmeticError"),
    "NotImplementedError": ("NotImplementedError", "RuntimeError"),
    "ModuleNotFoundError": ("ModuleNotFoundError", "ImportError"),
}
_DUNDER = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__",
           ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__", ast.MatMult: "__matmul__"}
_GENERIC = ("type", "list", "tuple", "dict", "set", "frozenset")
#: torch names convcalc knows exist but does not model (no did-you-mean for these)
_KNOWN_UNMODELLED = frozenset({
    "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell", "Transformer", "TransformerEncoder",
    "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer", "MultiheadAttention", "Embedding",
    "EmbeddingBag", "Bilinear", "LazyLinear", "LazyConv2d", "Fold", "Unfold", "MaxUnpool2d", "LPPool2d",
    "FractionalMaxPool2d", "RMSNorm", "SyncBatchNorm", "LazyBatchNorm2d", "Softmin", "GLU", "Threshold",
    "CrossMapLRN2d", "ConvTranspose", "Parameter", "ParameterList", "ParameterDict",
})
_UNMODELLED_BUILTINS = frozenset({
    "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "input", "breakpoint", "exit",
    "quit", "memoryview", "bytearray", "id", "help", "dir", "delattr", "object", "classmethod", "staticmethod",
    "property", "iter", "next", "aiter", "anext", "hash", "ascii", "bin", "oct", "hex", "chr", "ord", "format",
    "frozenset", "complex", "bytes", "callable", "issubclass", "type", "__build_class__", "copyright", "credits",
    "license",
})


def _is_main_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__" and isinstance(test.ops[0], ast.Eq))


def _assigned_names(stmt: ast.stmt) -> list[str]:
    """Names a top-level statement binds (anywhere inside it, not inside functions or classes)."""
    names = []
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"]
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
    return names


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PyRaise):
        return f"{exc.type_name}: {exc.message}" + (f" at {exc.where}" if exc.where else "")
    if isinstance(exc, RecursionError):
        return "the code nests too deeply"
    return str(exc)


def _first_param(node: ast.AST) -> str | None:
    args = node.args
    params = [*args.posonlyargs, *args.args]
    return params[0].arg if params else None


def _is_generator(node: ast.AST) -> bool:
    """Whether a function's body yields (worked out once per function node, kept on the node)."""
    found = getattr(node, "_convcalc_generator", None)
    if found is None:
        found = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_function(node))
        node._convcalc_generator = found
    return found


def _walk_function(node: ast.AST):
    """The nodes of a function body, not of the functions and classes nested in it."""
    stack = list(node.body)
    while stack:
        n = stack.pop()
        yield n
        for child in ast.iter_child_nodes(n):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ast.unparse(node)


def _length(value: Any) -> int:
    """``len(value)``, also of a range past sys.maxsize items (``range(128 ** 9)``: len() raises OverflowError)."""
    if isinstance(value, range):
        return max(0, (value.stop - value.start + value.step - (1 if value.step > 0 else -1)) // value.step)
    return len(value)


def _int_text(n: int) -> str:
    """An integer for a message: written out up to 16 digits, else its first 12 and an ellipsis."""
    text = str(n)
    return text if len(text) <= 16 else text[:12] + "…"


def _short(node: ast.AST, width: int = 60) -> str:
    try:
        text = ast.unparse(node).replace("\n", " ")
    except Exception:  # noqa: BLE001 - unparse of odd trees
        text = type(node).__name__
    return text if len(text) <= width else text[:width - 1] + "…"


def _first_line(node: ast.AST) -> str:
    return _short(node).split("\n")[0]
