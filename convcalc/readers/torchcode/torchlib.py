"""What the interpreter knows of Python's built-ins, the standard library pieces model files use,
torch, torch.nn, torch.nn.functional and torchvision's building blocks.

The torch.nn classes are data: every layer kind convcalc has (:data:`convcalc.layers.TORCH_NAMES`)
is a class whose constructor arguments are bound in torch's positional order
(:func:`convcalc.readers.pytorch.torch_order`); containers (``Sequential``, ``ModuleList``,
``ModuleDict``) keep their children in registration order, as torch does. torchvision's blocks
are Python source (:mod:`.torchvision_prelude`) read by the same interpreter.
"""

from __future__ import annotations

import ast
import copy
import itertools
import math
from typing import Any

from ... import layers as L
from . import values as V
from .limits import MAX_CONTAINER, PyRaise


def _torch_order(kind: str) -> list[str]:
    from ..pytorch import torch_order

    return torch_order(kind)


#: torch.nn classes without parameters that convcalc need not model as layers (losses)
_FREE_SUFFIXES = ("Loss",)
#: torch arguments that change no shape or count
_DROPPED_ARGS = ("device", "dtype", "min_value", "max_value")
#: layer kinds with parameters or buffers (a module of one never called by forward() would change the totals)
_WEIGHTED_KINDS = frozenset({*L.Conv.TYPES, *L.ConvTranspose.TYPES, "linear", *L.BatchNorm.TYPES, "groupnorm",
                             "layernorm", *L.InstanceNorm.TYPES, "prelu"})
#: conv arguments torch stores as tuples
_TUPLE_ARGS = ("kernel_size", "stride", "padding", "dilation", "output_padding")

_PY_METHODS = {
    str: {"format", "join", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper", "startswith",
          "endswith", "replace", "find", "rfind", "index", "count", "isdigit", "isalpha", "isalnum", "isnumeric",
          "title", "capitalize", "partition", "rpartition", "splitlines", "removeprefix", "removesuffix",
          "ljust", "rjust", "center", "zfill", "casefold", "isupper", "islower", "isidentifier", "swapcase"},
    list: {"append", "extend", "insert", "pop", "remove", "index", "count", "reverse", "sort", "copy", "clear"},
    tuple: {"index", "count"},
    dict: {"items", "keys", "values", "get", "pop", "setdefault", "update", "copy", "clear", "popitem"},
    set: {"add", "update", "discard", "remove", "union", "intersection", "difference", "issubset", "issuperset",
          "copy", "pop", "clear", "symmetric_difference"},
    frozenset: {"union", "intersection", "difference", "issubset", "issuperset", "copy"},
    int: {"bit_length", "to_bytes", "conjugate"},
    float: {"is_integer", "conjugate"},
    range: {"index", "count"},
}
_GROWS = {"ljust", "rjust", "center", "zfill"}


class Library:
    """The names model code can use, as convcalc models them."""

    def __init__(self, interp) -> None:
        self.interp = interp
        self.builtins = self._builtins()
        self._modules: dict[str, V.Namespace] = {}
        self._prelude = None
        self._build_torch()
        self._build_stdlib()

    # ------------------------------------------------------------------
    # modules by dotted name
    # ------------------------------------------------------------------
    def module(self, name: str) -> Any:
        if name in self._modules:
            return self._modules[name]
        if name == "torchvision" or name.startswith("torchvision."):
            return self._torchvision(name)
        return None

    def _ns(self, name: str, members: dict[str, Any], **kw) -> V.Namespace:
        ns = V.Namespace(name, members, **kw)
        self._modules[name] = ns
        return ns

    # ------------------------------------------------------------------
    # Python's built-ins
    # ------------------------------------------------------------------
    def _builtins(self) -> dict[str, Any]:
        b: dict[str, Any] = {}

        def reg(name, pure=True):
            def deco(fn):
                b[name] = V.Builtin(name, fn, pure)
                return fn
            return deco

        interp = self.interp

        def num(value, node, what):
            if isinstance(value, V.Size):
                return interp.need(value, node, what)
            return value

        @reg("range")
        def _range(it, node, args, kwargs):
            if kwargs or not 1 <= len(args) <= 3:
                raise it.raise_py("TypeError", "range() takes 1 to 3 integers", node)
            u = V.first_unknown(*args)
            if u is not None:
                raise it.fail(node, f"range() of an unknown bound: {u.reason}")
            values = [num(a, node, "range()") for a in args]
            if not all(type(v) is int for v in values):
                raise it.raise_py("TypeError", "range() takes integers", node)
            try:
                return range(*values)
            except ValueError as exc:
                raise it.raise_py("ValueError", str(exc), node) from None

        @reg("len")
        def _len(it, node, args, kwargs):
            (x,) = args
            if isinstance(x, V.Unknown):
                return x
            if isinstance(x, (list, tuple, str, dict, set, frozenset, range)):
                try:
                    return len(x)
                except OverflowError as exc:  # len(range(128 ** 9)): Python raises it too
                    raise it.raise_py("OverflowError", str(exc), node) from None
            if isinstance(x, V.Module):
                return self.module_len(x, node)
            if isinstance(x, V.Tensor):
                return it.tracer.size(x, 0, node) if it.tracer else V.Unknown("len() of a tensor")
            if isinstance(x, V.Instance):
                found = x.cls.lookup("__len__")
                if found is not None:
                    return it.call(V.BoundMethod(found[0], x), [], {}, node)
            raise it.raise_py("TypeError", f"len() of {V.describe(x)}", node)

        @reg("int")
        def _int(it, node, args, kwargs):
            if not args:
                return 0
            x = args[0]
            if isinstance(x, V.Unknown):
                return x
            if isinstance(x, V.Size):
                if isinstance(x.value, float):
                    return V.Size(int(x.value), ("int", x.expr))
                return x
            if isinstance(x, V.Tensor):
                raise it.fail(node, "int() of a tensor's value: convcalc knows shapes, not values")
            try:
                if isinstance(x, str) and len(args) == 1:
                    return int(x.strip()) if len(x) < 100 else it.raise_py("ValueError", "too long", node)
                return it.check_int(int(*args), node)
            except (ValueError, TypeError, OverflowError) as exc:
                raise it.raise_py(type(exc).__name__, str(exc), node) from None

        @reg("float")
        def _float(it, node, args, kwargs):
            if not args:
                return 0.0
            x = args[0]
            if isinstance(x, V.Unknown):
                return x
            x = num(x, node, "float()")
            try:
                return float(x)
            except (ValueError, TypeError, OverflowError) as exc:
                raise it.raise_py(type(exc).__name__, str(exc), node) from None

        @reg("bool")
        def _bool(it, node, args, kwargs):
            if not args:
                return False
            if isinstance(args[0], V.Unknown):
                return args[0]
            return it.truth(args[0], node, "bool()")

        @reg("str")
        def _str(it, node, args, kwargs):
            if not args:
                return ""
            x = args[0]
            if isinstance(x, V.Unknown):
                return x
            if isinstance(x, V.Size):
                x = num(x, node, "str()")
            if isinstance(x, (int, float, str, bool, type(None))):
                return str(x)
            if isinstance(x, (list, tuple, dict)):
                text = repr(x) if all(isinstance(e, (int, float, str, bool, type(None))) for e in
                                      (x.values() if isinstance(x, dict) else x)) else None
                if text is not None:
                    it.check_size(len(text), node, "a string")
                    return text
            return V.Unknown(f"str() of {V.describe(x)}")

        @reg("repr")
        def _repr(it, node, args, kwargs):
            x = args[0]
            return repr(x) if isinstance(x, (int, float, str, bool, type(None))) else V.Unknown("repr()")

        @reg("round")
        def _round(it, node, args, kwargs):
            u = V.first_unknown(*args)
            if u is not None:
                return u
            values = [num(a, node, "round()") for a in args]
            try:
                return round(*values)
            except (TypeError, ValueError, OverflowError) as exc:
                raise it.raise_py(type(exc).__name__, str(exc), node) from None

        @reg("abs")
        def _abs(it, node, args, kwargs):
            x = args[0]
            if isinstance(x, V.Unknown):
                return x
            if isinstance(x, V.Size):
                return V.Size(None if x.value is None else abs(x.value), ("abs", x.expr))
            try:
                return abs(x)
            except TypeError as exc:
                raise it.raise_py("TypeError", str(exc), node) from None

        def extreme(pick):
            def fn(it, node, args, kwargs):
                key = kwargs.pop("key", None)
                has_default = "default" in kwargs
                default = kwargs.pop("default", None)
                items = it.materialize(args[0], node) if len(args) == 1 else list(args)
                u = V.first_unknown(items)
                if u is not None:
                    return u
                if not items:
                    if has_default:
                        return default
                    raise it.raise_py("ValueError", f"{pick.__name__}() of an empty sequence", node)
                keys = [it.call(key, [x], {}, node) if key is not None else x for x in items]
                ku = V.first_unknown(keys)
                if ku is not None:
                    return ku
                plain = [num(k, node, f"{pick.__name__}()") for k in keys]
                try:
                    best = pick(range(len(items)), key=lambda i: plain[i])
                except TypeError as exc:
                    raise it.raise_py("TypeError", str(exc), node) from None
                return items[best]
            fn.__name__ = pick.__name__
            return fn

        b["min"] = V.Builtin("min", extreme(min))
        b["max"] = V.Builtin("max", extreme(max))

        @reg("sum")
        def _sum(it, node, args, kwargs):
            items = it.materialize(args[0], node)
            total = args[1] if len(args) > 1 else kwargs.get("start", 0)
            for x in items:
                total = it.binop(ast.Add(), total, x, node)
            return total

        @reg("any")
        def _any(it, node, args, kwargs):
            for x in it.materialize(args[0], node):
                if isinstance(x, V.Unknown):
                    return x
                if it.truth(x, node, "any()"):
                    return True
            return False

        @reg("all")
        def _all(it, node, args, kwargs):
            for x in it.materialize(args[0], node):
                if isinstance(x, V.Unknown):
                    return x
                if not it.truth(x, node, "all()"):
                    return False
            return True

        @reg("sorted")
        def _sorted(it, node, args, kwargs):
            items = it.materialize(args[0], node)
            return self.sort(items, kwargs.get("key"), kwargs.get("reverse", False), node)

        @reg("reversed")
        def _reversed(it, node, args, kwargs):
            x = args[0]
            if isinstance(x, V.Module):
                return list(reversed(self.module_items(x, node)))
            return list(reversed(it.materialize(x, node)))

        @reg("enumerate")
        def _enumerate(it, node, args, kwargs):
            start = args[1] if len(args) > 1 else kwargs.get("start", 0)
            return [(start + i, x) for i, x in enumerate(it.materialize(args[0], node))]

        @reg("zip")
        def _zip(it, node, args, kwargs):
            lists = [it.materialize(a, node) for a in args]
            if kwargs.get("strict") and len({len(x) for x in lists}) > 1:
                raise it.raise_py("ValueError", "zip() arguments differ in length", node)
            return list(zip(*lists))

        @reg("map")
        def _map(it, node, args, kwargs):
            fn, *its = args
            lists = [it.materialize(a, node) for a in its]
            return [it.call(fn, list(xs), {}, node) for xs in zip(*lists)]

        @reg("filter")
        def _filter(it, node, args, kwargs):
            fn, seq = args
            out = []
            for x in it.materialize(seq, node):
                keep = x if fn is None else it.call(fn, [x], {}, node)
                if it.truth(keep, node, "filter()"):
                    out.append(x)
            return out

        @reg("isinstance")
        def _isinstance(it, node, args, kwargs):
            obj, types = args
            return self.isinstance(obj, types, node)

        @reg("hasattr")
        def _hasattr(it, node, args, kwargs):
            obj, name = args
            if isinstance(obj, V.Unknown):
                return obj
            try:
                value = it.getattr(obj, name, node)
            except PyRaise as exc:
                if exc.type_name == "AttributeError":
                    return False
                raise
            return True if not isinstance(value, V.Unknown) or isinstance(obj, V.Namespace) else value

        @reg("getattr")
        def _getattr(it, node, args, kwargs):
            obj, name, *default = args
            name = num(name, node, "getattr()")
            if isinstance(name, V.Unknown):
                return name
            try:
                return it.getattr(obj, name, node)
            except PyRaise as exc:
                if exc.type_name == "AttributeError" and default:
                    return default[0]
                raise

        @reg("setattr", pure=False)
        def _setattr(it, node, args, kwargs):
            obj, name, value = args
            if isinstance(name, V.Unknown):
                raise it.fail(node, f"setattr() with an unknown name: {name.reason}")
            it.setattr(obj, name, value, node)

        @reg("print")
        def _print(it, node, args, kwargs):
            return None

        @reg("divmod")
        def _divmod(it, node, args, kwargs):
            a, b_ = (num(x, node, "divmod()") for x in args)
            try:
                return divmod(a, b_)
            except (ZeroDivisionError, TypeError) as exc:
                raise it.raise_py(type(exc).__name__, str(exc), node) from None

        @reg("pow")
        def _pow(it, node, args, kwargs):
            return it.binop(ast.Pow(), args[0], args[1], node)

        @reg("callable")
        def _callable(it, node, args, kwargs):
            return isinstance(args[0], (V.Function, V.Builtin, V.BoundMethod, V.Class, V.TorchClass, V.Partial,
                                        V.Module, V.PyType))

        @reg("type")
        def _type(it, node, args, kwargs):
            (x,) = args
            if isinstance(x, (V.Module, V.Instance)):
                return x.cls
            for t in _PY_TYPES.values():
                if type(x) in t.types:
                    return t
            return V.Unknown(f"type() of {V.describe(x)}")

        @reg("super")
        def _super(it, node, args, kwargs):
            if len(args) == 2:
                return V.Super(args[0], args[1])
            raise it.fail(node, "super() with these arguments is not read")

        @reg("iter")
        def _iter(it, node, args, kwargs):
            return it.materialize(args[0], node)

        @reg("NotImplemented")
        def _ni(it, node, args, kwargs):
            return None

        self.scalars = {name: b[name] for name in ("int", "float", "str", "bool")}
        for name, t in _PY_TYPES.items():
            b[name] = t
        for name in _EXCEPTIONS:
            b[name] = V.PyType(name, (), _exception_maker(name))
        b["True"], b["False"], b["None"] = True, False, None
        b["Ellipsis"] = ...
        return b

    def sort(self, items: list, key, reverse, node) -> list:
        interp = self.interp
        keys = [interp.call(key, [x], {}, node) if key is not None else x for x in items]
        u = V.first_unknown(keys)
        if u is not None:
            raise interp.fail(node, f"sorting by unknown keys: {u.reason}")
        plain = [k.value if isinstance(k, V.Size) else k for k in keys]
        try:
            order = sorted(range(len(items)), key=lambda i: plain[i], reverse=bool(reverse))
        except TypeError as exc:
            raise interp.raise_py("TypeError", str(exc), node) from None
        return [items[i] for i in order]

    def isinstance(self, obj: Any, types: Any, node) -> Any:
        if isinstance(types, tuple):
            results = [self.isinstance(obj, t, node) for t in types]
            if any(r is True for r in results):
                return True
            u = V.first_unknown(results)
            return u if u is not None else False
        if isinstance(obj, V.Unknown):
            return obj
        if isinstance(types, V.Unknown):
            return types
        if isinstance(types, V.PyType):
            if types.name == "object":
                return True
            if types.name == "Tensor":
                return isinstance(obj, (V.Tensor, V.ExampleTensor))
            if isinstance(obj, V.Size):
                return types.name in ("int",)
            if types.types:
                return isinstance(obj, types.types) and not (types.name == "int" and isinstance(obj, bool)
                                                             and False)
            if isinstance(obj, V.PyRaiseValue):
                return obj.type_name == types.name or types.name in ("Exception", "BaseException")
            return False
        if isinstance(types, (V.Class, V.TorchClass)):
            cls = getattr(obj, "cls", None)
            if isinstance(obj, (V.Module, V.Instance)) and cls is not None:
                return types in cls.mro
            return False
        if isinstance(types, V.Opaque):
            return V.Unknown(f"isinstance() with {types.label}")
        return False

    # ------------------------------------------------------------------
    # Attributes of values that are not plain Python data
    # ------------------------------------------------------------------
    def getattr(self, obj: Any, name: str, node) -> Any:
        interp = self.interp
        if name.startswith("__") and name.endswith("__") and name not in _SAFE_DUNDERS:
            raise interp.fail(node, f"`.{name}` is not read: convcalc models no Python internals")
        if isinstance(obj, V.Module):
            return self.module_getattr(obj, name, node)
        if isinstance(obj, V.Tensor):
            if interp.tracer is None:
                return V.Unknown("a tensor outside forward()")
            return interp.tracer.tensor_attr(obj, name, node)
        if isinstance(obj, V.Instance):
            if name in obj.attrs:
                return obj.attrs[name]
            if name == "__class__":
                return obj.cls
            if name == "__dict__":
                return dict(obj.attrs)
            found = obj.cls.lookup(name)
            if found is not None:
                return self.bind_member(found[0], obj, node)
            raise interp.raise_py("AttributeError", f"{obj.cls.name!r} object has no attribute {name!r}", node)
        if isinstance(obj, V.Class):
            if name == "__name__":
                return obj.name
            if name == "__qualname__":
                return obj.name
            if name == "__mro__":
                return tuple(obj.mro)
            found = obj.lookup(name)
            if found is not None:
                value = found[0]
                if isinstance(value, V.Function):
                    if value.kind == "classmethod":
                        return V.BoundMethod(value, obj)
                    return value
                return value
            raise interp.raise_py("AttributeError", f"type object {obj.name!r} has no attribute {name!r}", node)
        if isinstance(obj, V.TorchClass):
            if name == "__name__":
                return obj.name
            if name in obj.attrs:
                return obj.attrs[name]
            if name == "__init__":
                return V.Builtin(f"{obj.name}.__init__", lambda it, n, a, k: self.torch_init(obj, a[0], a[1:], k, n),
                                 pure=False)
            return V.Unknown(f"{obj.qualname}.{name} is not modelled")
        if isinstance(obj, V.Super):
            return self.super_getattr(obj, name, node)
        if isinstance(obj, V.Namespace):
            return interp.module_member(obj, name, node)
        if isinstance(obj, V.ModuleScope):
            return interp.module_member(obj, name, node)
        if isinstance(obj, V.Size):
            raise interp.raise_py("AttributeError", f"int has no attribute {name!r}", node)
        if isinstance(obj, V.Param):
            return self.param_attr(obj, name, node)
        if isinstance(obj, V.ExampleTensor):
            return self.example_attr(obj, name, node)
        if isinstance(obj, (V.Function,)):
            if name in ("__name__", "__qualname__"):
                return obj.name if name == "__name__" else obj.qualname
            if name == "__doc__":
                return None
            raise interp.raise_py("AttributeError", f"function has no attribute {name!r}", node)
        if isinstance(obj, V.BoundMethod):
            if name == "__self__":
                return obj.self_
            if name == "__func__":
                return obj.function
            if name == "__name__":
                return getattr(obj.function, "name", "")
            raise interp.raise_py("AttributeError", f"method has no attribute {name!r}", node)
        if isinstance(obj, V.Partial):
            return {"func": obj.func, "args": obj.args, "keywords": obj.kwargs}.get(name) or V.Unknown(
                f"partial.{name}")
        if isinstance(obj, V.Builtin):
            if name == "__name__":
                return obj.name
            return V.Unknown(f"{obj.name}.{name} is not modelled")
        if isinstance(obj, V.PyType):
            if name == "__name__":
                return obj.name
            return self.pytype_attr(obj, name, node)
        if isinstance(obj, V.Opaque):
            return V.Opaque(f"{obj.label}.{name}")
        if isinstance(obj, V.PyRaiseValue):
            if name == "args":
                return obj.args
            return obj.message
        if isinstance(obj, (str, list, tuple, dict, set, frozenset, int, float, range, bool)) and \
                not isinstance(obj, bool):
            methods = _PY_METHODS.get(type(obj), set())
            if name in methods:
                return V.BoundMethod(V.Builtin(f"{type(obj).__name__}.{name}", self.native_method(type(obj), name),
                                               pure=type(obj) not in (list, dict, set)), obj)
            if isinstance(obj, (int, float)) and name in ("real", "imag", "numerator", "denominator"):
                return getattr(obj, name)
            if isinstance(obj, range) and name in ("start", "stop", "step"):
                return getattr(obj, name)
            if isinstance(obj, slice) and name in ("start", "stop", "step"):
                return getattr(obj, name)
        if obj is None:
            raise interp.raise_py("AttributeError", f"'NoneType' object has no attribute {name!r}", node)
        if isinstance(obj, slice) and name in ("start", "stop", "step"):
            return getattr(obj, name)
        raise interp.raise_py("AttributeError", f"{V.describe(obj)} has no attribute {name!r}", node)

    def bind_member(self, value: Any, obj: Any, node) -> Any:
        """A class member read through an instance: methods bound, properties called."""
        if isinstance(value, V.Function):
            if value.kind == "staticmethod":
                return value
            if value.kind == "classmethod":
                return V.BoundMethod(value, obj.cls)
            if value.kind == "property":
                return self.interp.call_function(value, [obj], {}, node)
            return V.BoundMethod(value, obj)
        if isinstance(value, V.Builtin):
            return V.BoundMethod(value, obj)
        return value

    def super_getattr(self, sup: V.Super, name: str, node) -> Any:
        obj = sup.obj
        cls = obj.cls if isinstance(obj, (V.Module, V.Instance)) else obj
        mro = cls.mro if isinstance(cls, (V.Class, V.TorchClass)) else []
        try:
            start = mro.index(sup.owner) + 1
        except ValueError:
            raise self.interp.fail(node, f"super(): {V.describe(sup.owner)} is not a base of {V.describe(obj)}") \
                from None
        for owner in mro[start:]:
            if isinstance(owner, V.Class) and name in owner.ns:
                return self.bind_member(owner.ns[name], obj, node)
            if isinstance(owner, V.TorchClass):
                if name == "__init__":
                    return V.Builtin(f"{owner.name}.__init__",
                                     lambda it, n, a, k, o=owner: self.torch_init(o, obj, a, k, n), pure=False)
                if name == "forward":
                    return V.Builtin(f"{owner.name}.forward",
                                     lambda it, n, a, k, o=owner: self.torch_forward(o, obj, a, k, n))
                if isinstance(obj, V.Module):
                    return self.module_api(obj, name, node, owner=owner)
        if name == "__init__":
            return V.Builtin("object.__init__", lambda it, n, a, k: None)
        raise self.interp.raise_py("AttributeError", f"'super' object has no attribute {name!r}", node)

    def setattr(self, obj: Any, name: str, value: Any, node) -> None:
        interp = self.interp
        if name.startswith("__") and name.endswith("__"):
            raise interp.fail(node, f"setting `.{name}` is not read")
        if isinstance(obj, V.Module):
            self.module_setattr(obj, name, value, node)
        elif isinstance(obj, V.Instance):
            setter = obj.cls.lookup(name)
            if setter is not None and isinstance(setter[0], V.Function) and setter[0].kind == "property":
                raise interp.fail(node, f"assigning the property {name} is not read")
            obj.attrs[name] = value
        elif isinstance(obj, V.Class):
            obj.ns[name] = value
        elif isinstance(obj, V.Param):
            if name == "requires_grad":
                obj.frozen = not interp.truth(value, node, "requires_grad")
            elif name == "data":
                pass
        elif isinstance(obj, (V.Unknown, V.Opaque)) or isinstance(obj, V.Function):
            return
        else:
            raise interp.raise_py("AttributeError", f"cannot set {name!r} on {V.describe(obj)}", node)

    def getitem(self, obj: Any, index: Any, node) -> Any:
        interp = self.interp
        if isinstance(obj, V.Module):
            return self.module_getitem(obj, index, node)
        if isinstance(obj, V.Tensor):
            if interp.tracer is None:
                return V.Unknown("a tensor outside forward()")
            return interp.tracer.tensor_getitem(obj, index, node)
        if isinstance(obj, V.Instance):
            found = obj.cls.lookup("__getitem__")
            if found is not None:
                return interp.call(V.BoundMethod(found[0], obj), [index], {}, node)
        if isinstance(obj, (V.Opaque, V.PyType)):
            return obj
        if isinstance(obj, V.Namespace) and not obj.modelled:
            return V.Unknown(f"{obj.name}[…]: {obj.name} is not read")
        if isinstance(obj, V.ExampleTensor):
            if isinstance(index, int) and obj.shape is not None and len(obj.shape) > 1:
                return V.ExampleTensor(tuple(obj.shape[1:]))
            return V.Unknown("an element of an example tensor")
        raise interp.raise_py("TypeError", f"{V.describe(obj)} is not subscriptable", node)

    def setitem(self, obj: Any, index: Any, value: Any, node) -> None:
        interp = self.interp
        if isinstance(obj, V.Module):
            return self.module_setitem(obj, index, value, node)
        if isinstance(obj, V.Instance):
            found = obj.cls.lookup("__setitem__")
            if found is not None:
                interp.call(V.BoundMethod(found[0], obj), [index, value], {}, node)
                return None
        if isinstance(obj, V.Tensor):
            raise interp.fail(node, "assigning into a tensor is not read")
        raise interp.raise_py("TypeError", f"{V.describe(obj)} does not support item assignment", node)

    def iterate(self, value: Any, node):
        interp = self.interp
        if isinstance(value, V.Module):
            return iter(self.module_items(value, node))
        if isinstance(value, V.Tensor):
            raise interp.fail(node, "iterating over a tensor is not read")
        if isinstance(value, V.Instance):
            found = value.cls.lookup("__iter__")
            if found is not None:
                return iter(interp.materialize(interp.call(V.BoundMethod(found[0], value), [], {}, node), node))
        if isinstance(value, V.Size):
            raise interp.raise_py("TypeError", "an int is not iterable", node)
        if isinstance(value, V.Namespace) and not value.modelled:
            raise interp.fail(node, f"cannot iterate over {value.name}: it is not read")
        if isinstance(value, V.Opaque):
            raise interp.fail(node, f"cannot iterate over {value.label}: it is not modelled")
        raise interp.raise_py("TypeError", f"{V.describe(value)} is not iterable", node)

    def pytype_attr(self, t: V.PyType, name: str, node) -> Any:
        if t.name == "dict" and name == "fromkeys":
            return V.Builtin("dict.fromkeys", lambda it, n, a, k: dict.fromkeys(it.materialize(a[0], n),
                                                                                  a[1] if len(a) > 1 else None))
        if t.name in ("str", "list", "dict", "int", "float", "tuple", "set") and name in _PY_METHODS.get(
                t.types[0], ()):
            method = self.native_method(t.types[0], name)
            return V.Builtin(f"{t.name}.{name}", method, pure=False)
        raise self.interp.raise_py("AttributeError", f"type object {t.name!r} has no attribute {name!r}", node)

    # -- methods of plain Python data -----------------------------------
    def native_method(self, kind: type, name: str):
        lib = self

        def method(it, node, args, kwargs):
            obj, *rest = args
            if kind is str and name == "format":
                return lib.str_format(obj, rest, kwargs, node)
            if kind is str and name == "join":
                items = it.materialize(rest[0], node)
                u = V.first_unknown(items)
                if u is not None:
                    return u
                items = [x.value if isinstance(x, V.Size) and x.value is not None else x for x in items]
                if not all(isinstance(x, str) for x in items):
                    raise it.raise_py("TypeError", "join() of non-strings", node)
                it.check_size(sum(len(x) for x in items) + len(obj) * len(items), node, "a string")
                it.charge(sum(len(x) for x in items))
                return obj.join(items)
            if kind is str and name == "replace":
                old, new = rest[0], rest[1]
                if isinstance(old, str) and isinstance(new, str) and old:
                    it.check_size(len(obj) + obj.count(old) * max(len(new) - len(old), 0), node, "a string")
                elif isinstance(new, str) and not old:
                    it.check_size(len(obj) * (len(new) + 1), node, "a string")
            if name in _GROWS and rest and isinstance(rest[0], int):
                it.check_size(rest[0], node, "a string")
            if kind is list and name in ("append", "insert", "extend"):
                if name == "extend":
                    items = it.materialize(rest[0], node)
                    it.check_size(len(obj) + len(items), node, "a list")
                    it.charge(len(items))
                    obj.extend(items)
                    return None
                it.check_size(len(obj) + 1, node, "a list")
            if kind is list and name == "sort":
                obj[:] = lib.sort(list(obj), kwargs.get("key"), kwargs.get("reverse", False), node)
                return None
            if kind is dict and name == "update":
                for a in rest:
                    if isinstance(a, dict):
                        obj.update(a)
                    else:
                        for k, v in it.materialize(a, node):
                            it.setkey(obj, k, v, node)
                obj.update(kwargs)
                it.check_size(len(obj), node, "a dict")
                return None
            if kind is dict and name in ("items", "keys", "values"):
                return list(getattr(obj, name)())
            if kind is set and name in ("add", "update"):
                it.check_size(len(obj) + (1 if name == "add" else len(it.materialize(rest[0], node))), node)
            if kind in (str, list, tuple, dict) and name in ("index", "count", "get", "pop", "remove", "setdefault",
                                                             "find", "rfind", "startswith", "endswith"):
                rest = [r.value if isinstance(r, V.Size) and r.value is not None else r for r in rest]
            try:
                return getattr(obj, name)(*rest, **kwargs)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
                raise it.raise_py(type(exc).__name__, str(exc), node) from None

        return method

    def str_format(self, template: str, args: list, kwargs: dict, node) -> Any:
        interp = self.interp
        u = V.first_unknown(*args, *kwargs.values())
        if u is not None:
            return u
        import re

        if any(len(d) > 4 for d in re.findall(r"\d+", template)):
            raise interp.limit(node, "a format width")
        plain = [a.value if isinstance(a, V.Size) else a for a in args]
        plainkw = {k: (v.value if isinstance(v, V.Size) else v) for k, v in kwargs.items()}
        safe = (int, float, str, bool, type(None), list, tuple, dict)
        if not all(isinstance(a, safe) for a in [*plain, *plainkw.values()]):
            return V.Unknown("str.format() of values that are not plain data")
        if "{" in template and re.search(r"\{[^}]*[.\[]", template):
            return V.Unknown("str.format() with attribute or item lookups")
        try:
            text = template.format(*plain, **plainkw)
        except (IndexError, KeyError, ValueError, TypeError) as exc:
            raise interp.raise_py(type(exc).__name__, str(exc), node) from None
        interp.check_size(len(text), node, "a string")
        return text

    # ------------------------------------------------------------------
    # torch
    # ------------------------------------------------------------------
    def _build_torch(self) -> None:
        from . import forward

        self.torch_classes: dict[str, V.TorchClass] = {}
        for kind, torch_name in L.TORCH_NAMES.items():
            self.torch_classes[torch_name] = V.TorchClass(torch_name, "leaf", kind, qualname=f"nn.{torch_name}")
        for name, role in (("Sequential", "sequential"), ("ModuleList", "modulelist"), ("ModuleDict", "moduledict")):
            self.torch_classes[name] = V.TorchClass(name, role, qualname=f"nn.{name}")
        self.torch_classes["Module"] = V.MODULE_BASE
        self.torch_classes["ChannelShuffle"] = V.TorchClass("ChannelShuffle", "shuffle", qualname="nn.ChannelShuffle")
        self.torch_classes["Softmax2d"] = V.TorchClass("Softmax2d", "leaf", "softmax", qualname="nn.Softmax2d")
        nn_members: dict[str, Any] = dict(self.torch_classes)
        nn_members["Parameter"] = V.Builtin("nn.Parameter", self._parameter)
        nn_members["parameter"] = V.Namespace("torch.nn.parameter", {"Parameter": nn_members["Parameter"]})
        init = {name: V.Builtin(f"nn.init.{name}", _noop_init) for name in (
            "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_", "normal_", "uniform_",
            "constant_", "zeros_", "ones_", "trunc_normal_", "orthogonal_", "eye_", "dirac_", "sparse_",
            "calculate_gain", "_calculate_fan_in_and_fan_out", "kaiming_normal", "xavier_uniform", "normal",
            "constant", "uniform", "xavier_normal", "kaiming_uniform")}
        init_ns = self._ns("torch.nn.init", init)
        functional = forward.functional_namespace(self)
        f_ns = self._ns("torch.nn.functional", functional)
        nn_members["functional"] = f_ns
        nn_members["init"] = init_ns
        nn_members["Tensor"] = _TENSOR_TYPE
        modules_ns = {"Module": V.MODULE_BASE, **self.torch_classes}
        nn_members["modules"] = self._ns("torch.nn.modules", modules_ns)
        utils_pair = {f"_{n}": V.Builtin(f"_{n}", _ntuple(k)) for n, k in (("single", 1), ("pair", 2),
                                                                            ("triple", 3), ("quadruple", 4))}
        self._ns("torch.nn.modules.utils", utils_pair)
        for sub in ("conv", "batchnorm", "linear", "pooling", "activation", "container", "module", "dropout",
                    "normalization", "padding", "upsampling", "flatten", "pixelshuffle"):
            self._ns(f"torch.nn.modules.{sub}", modules_ns)
        nn_ns = self._ns("torch.nn", nn_members)
        torch_members = forward.torch_namespace(self)
        torch_members["nn"] = nn_ns
        torch_members["Tensor"] = _TENSOR_TYPE
        torch_members["Size"] = _PY_TYPES["tuple"]
        # torch.no_grad() as a context (nothing to do) or a decorator (the function itself)
        context = V.Builtin("a no_grad context", lambda it, n, a, k: a[0] if len(a) == 1 and isinstance(
            a[0], (V.Function, V.BoundMethod)) else None)
        no_grad = V.Builtin("torch.no_grad", lambda it, n, a, k: (a[0] if a and isinstance(a[0], V.Function)
                                                                   else context))
        torch_members["no_grad"] = no_grad
        torch_members["inference_mode"] = no_grad
        torch_members["enable_grad"] = no_grad
        torch_members["manual_seed"] = V.Builtin("torch.manual_seed", lambda it, n, a, k: None)
        torch_members["set_grad_enabled"] = V.Builtin("torch.set_grad_enabled", lambda it, n, a, k: None)
        torch_members["device"] = V.Builtin("torch.device", lambda it, n, a, k: V.Opaque("a device"))
        for dtype in ("float32", "float", "float16", "half", "float64", "double", "bfloat16", "int64", "long",
                      "int32", "int", "bool", "uint8", "int8"):
            torch_members[dtype] = V.Opaque(f"torch.{dtype}")
        cuda = self._ns("torch.cuda", {"is_available": V.Builtin("torch.cuda.is_available", lambda it, n, a, k: False),
                                       "device_count": V.Builtin("torch.cuda.device_count", lambda it, n, a, k: 0)})
        torch_members["cuda"] = cuda
        backends = {"mps": V.Namespace("torch.backends.mps", {"is_available": V.Builtin(
            "is_available", lambda it, n, a, k: False)}), "cudnn": V.Opaque("torch.backends.cudnn")}
        torch_members["backends"] = self._ns("torch.backends", backends)
        identity_deco = V.Builtin("decorator", lambda it, n, a, k: a[0] if a and not k else
                                  V.Builtin("decorator", lambda it2, n2, a2, k2: a2[0]))
        jit = self._ns("torch.jit", {"script": identity_deco, "ignore": identity_deco, "unused": identity_deco,
                                     "export": identity_deco, "is_scripting": V.Builtin(
                                         "is_scripting", lambda it, n, a, k: False),
                                     "is_tracing": V.Builtin("is_tracing", lambda it, n, a, k: False),
                                     "Final": V.Opaque("Final"), "annotate": V.Builtin(
                                         "annotate", lambda it, n, a, k: a[1])})
        torch_members["jit"] = jit
        checkpoint = V.Builtin("checkpoint", lambda it, n, a, k: it.call(a[0], list(a[1:]),
                                                                           {x: y for x, y in k.items()
                                                                            if x not in ("use_reentrant",
                                                                                         "preserve_rng_state")}, n))
        cp = self._ns("torch.utils.checkpoint", {"checkpoint": checkpoint, "checkpoint_sequential": V.Unknown(
            "checkpoint_sequential is not modelled")})
        self._ns("torch.utils", {"checkpoint": cp, "data": V.Namespace("torch.utils.data", {}, modelled=False)})
        torch_members["utils"] = self._modules["torch.utils"]
        self._ns("torch.autograd", {"Variable": V.Builtin("Variable", lambda it, n, a, k: a[0]),
                                     "Function": V.Opaque("torch.autograd.Function")})
        torch_members["autograd"] = self._modules["torch.autograd"]
        torch_members["_assert"] = V.Builtin("torch._assert", lambda it, n, a, k: None)
        torch_members["fx"] = self._ns("torch.fx", {"wrap": identity_deco})
        self._ns("torch", torch_members)
        self._ns("torch.nn.functional", functional)

    def _parameter(self, interp, node, args, kwargs) -> V.Param:
        data = args[0] if args else kwargs.get("data")
        numel = None
        if isinstance(data, V.ExampleTensor) and data.shape is not None:
            numel = math.prod(data.shape)
        return V.Param("an nn.Parameter", numel=numel, where=interp.where(node))

    def _torchvision(self, name: str) -> Any:
        if self._prelude is None:
            from .torchvision_prelude import PRELUDE

            interp = self.interp
            saved = interp.frames
            interp.frames = []
            try:
                scope = interp.run_module(PRELUDE, "<torchvision>", name="torchvision", tolerant=False)
            finally:
                interp.frames = saved
            v = scope.vars
            models = {k: v[k] for k in v.get("__models__", ())}
            ops = {k: v[k] for k in ("Conv2dNormActivation", "Conv3dNormActivation", "ConvNormActivation",
                                     "SqueezeExcitation", "StochasticDepth", "stochastic_depth", "MLP", "Permute")
                   if k in v}
            misc = self._ns("torchvision.ops.misc", ops)
            ops_ns = self._ns("torchvision.ops", {**ops, "misc": misc})
            self._ns("torchvision.ops.stochastic_depth", ops)
            models_ns = self._ns("torchvision.models", models)
            for module_name, names in v.get("__submodules__", {}).items():
                self._ns(f"torchvision.models.{module_name}", {k: v[k] for k in names if k in v})
                models_ns.members.setdefault(module_name, self._modules[f"torchvision.models.{module_name}"])
            self._ns("torchvision", {"models": models_ns, "ops": ops_ns})
            self._prelude = scope
        if name in self._modules:
            return self._modules[name]
        return V.Namespace(name, {}, modelled=False, where="")

    # ------------------------------------------------------------------
    # the standard library
    # ------------------------------------------------------------------
    def _build_stdlib(self) -> None:
        m: dict[str, Any] = {}
        for fname in ("ceil", "floor", "trunc"):
            m[fname] = V.Builtin(f"math.{fname}", _math_int(getattr(math, fname)))
        for fname in ("sqrt", "log", "log2", "log10", "exp", "fabs", "sin", "cos", "tan", "atan", "atan2", "hypot",
                      "isclose", "isfinite", "isnan", "isinf", "copysign", "degrees", "radians", "pow", "fmod",
                      "gcd", "lcm", "isqrt", "fsum", "prod", "erf", "tanh", "expm1", "log1p", "remainder"):
            m[fname] = V.Builtin(f"math.{fname}", _math_fn(getattr(math, fname), fname))
        m["factorial"] = V.Builtin("math.factorial", _math_bounded(math.factorial, 1000))
        m["comb"] = V.Builtin("math.comb", _math_bounded(math.comb, 10000))
        m["perm"] = V.Builtin("math.perm", _math_bounded(math.perm, 10000))
        m.update(pi=math.pi, e=math.e, tau=math.tau, inf=math.inf, nan=math.nan)
        self._ns("math", m)
        dict_type = _PY_TYPES["dict"]
        self._ns("collections", {"OrderedDict": dict_type, "defaultdict": V.Unknown("collections.defaultdict is not "
                                                                                    "modelled"),
                                 "namedtuple": V.Unknown("collections.namedtuple is not modelled"),
                                 "abc": V.Namespace("collections.abc", {}, modelled=True)})
        self._ns("collections.abc", {k: V.Opaque(f"collections.abc.{k}") for k in (
            "Iterable", "Sequence", "Callable", "Mapping", "Iterator")})

        def partial(it, node, args, kwargs):
            if not args:
                raise it.raise_py("TypeError", "partial() needs a function", node)
            return V.Partial(args[0], tuple(args[1:]), dict(kwargs))

        def reduce(it, node, args, kwargs):
            fn, seq, *initial = args
            items = it.materialize(seq, node)
            if initial:
                acc = initial[0]
            elif items:
                acc, items = items[0], items[1:]
            else:
                raise it.raise_py("TypeError", "reduce() of an empty sequence", node)
            for x in items:
                acc = it.call(fn, [acc, x], {}, node)
            return acc

        identity = V.Builtin("decorator", lambda it, n, a, k: a[0] if (a and not k) else
                             V.Builtin("decorator", lambda it2, n2, a2, k2: a2[0]))
        self._ns("functools", {"partial": V.Builtin("functools.partial", partial), "reduce": V.Builtin(
            "functools.reduce", reduce), "wraps": V.Builtin("functools.wraps", lambda it, n, a, k: V.Builtin(
                "decorator", lambda it2, n2, a2, k2: a2[0])), "lru_cache": identity, "cache": identity})
        ops = {}
        for name, op in (("mul", ast.Mult), ("add", ast.Add), ("sub", ast.Sub), ("floordiv", ast.FloorDiv),
                         ("truediv", ast.Div), ("mod", ast.Mod), ("pow", ast.Pow)):
            ops[name] = V.Builtin(f"operator.{name}", lambda it, n, a, k, op=op: it.binop(op(), a[0], a[1], n))
        self._ns("operator", ops)
        self._ns("itertools", self._itertools())

        def deepcopy(it, node, args, kwargs):
            return self.deepcopy(args[0], {}, node)

        def shallow(it, node, args, kwargs):
            x = args[0]
            if isinstance(x, (list, dict, set)):
                return copy.copy(x)
            if isinstance(x, V.Module):
                new = V.Module(x.cls, x.where)
                new.modules = dict(x.modules)
                new.attrs = dict(x.attrs)
                new.kind, new.args = x.kind, dict(x.args)
                return new
            return x

        self._ns("copy", {"deepcopy": V.Builtin("copy.deepcopy", deepcopy), "copy": V.Builtin("copy.copy", shallow)})
        typing_names = ("Any", "Callable", "List", "Dict", "Tuple", "Optional", "Union", "Type", "Sequence",
                        "Iterable", "Mapping", "Set", "TypeVar", "Literal", "Final", "ClassVar", "Iterator", "NamedTuple",
                        "Protocol", "Generic", "cast", "overload", "no_type_check")
        typing = {k: V.Opaque(f"typing.{k}") for k in typing_names}
        typing["TYPE_CHECKING"] = False
        typing["cast"] = V.Builtin("typing.cast", lambda it, n, a, k: a[1])
        typing["overload"] = identity
        typing["no_type_check"] = identity
        self._ns("typing", typing)
        self._ns("typing_extensions", typing)
        self._ns("__future__", {"annotations": V.Opaque("annotations")})
        noop = V.Builtin("noop", lambda it, n, a, k: None)
        self._ns("warnings", {"warn": noop, "filterwarnings": noop, "simplefilter": noop,
                              "catch_warnings": V.Builtin("catch_warnings", lambda it, n, a, k: V.Opaque("context"))})
        logger = V.Namespace("logger", {k: noop for k in ("debug", "info", "warning", "warn", "error", "exception",
                                                           "critical", "setLevel", "addHandler")})
        self._ns("logging", {"getLogger": V.Builtin("logging.getLogger", lambda it, n, a, k: logger),
                             **{k: noop for k in ("debug", "info", "warning", "error", "basicConfig")},
                             **{k: 0 for k in ("DEBUG", "INFO", "WARNING", "ERROR")}})
        self._ns("numbers", {"Number": _PY_TYPES["float"], "Integral": _PY_TYPES["int"], "Real": _PY_TYPES["float"]})
        self._ns("abc", {"ABC": V.Class("ABC", [], {}, None, mro=[]), "abstractmethod": identity})
        self._modules["abc"].members["ABC"].mro = [self._modules["abc"].members["ABC"]]
        self._ns("dataclasses", {"dataclass": identity, "field": V.Builtin("field", lambda it, n, a, k: k.get(
            "default"))})

    def _itertools(self) -> dict:
        def wrap(fn):
            def call(it, node, args, kwargs):
                lists = [it.materialize(a, node) if isinstance(a, (list, tuple, range, str, dict, set)) or
                         not isinstance(a, (int, float)) else a for a in args]
                return _Bounded(fn(*lists, **kwargs), it, node)
            return call

        def repeat(it, node, args, kwargs):
            times = args[1] if len(args) > 1 else kwargs.get("times")
            if times is None:
                return _Bounded(itertools.repeat(args[0]), it, node)
            it.check_size(times, node)
            return [args[0]] * times

        def chain_from(it, node, args, kwargs):
            return _Bounded(itertools.chain.from_iterable([it.materialize(x, node) for x in
                                                           it.materialize(args[0], node)]), it, node)

        ns = {name: V.Builtin(f"itertools.{name}", wrap(getattr(itertools, name))) for name in (
            "product", "accumulate", "islice", "zip_longest", "combinations", "permutations", "count", "cycle",
            "pairwise", "combinations_with_replacement")}
        ns["repeat"] = V.Builtin("itertools.repeat", repeat)
        ns["chain"] = V.Builtin("itertools.chain", wrap(itertools.chain))
        ns["chain_from_iterable"] = V.Builtin("chain.from_iterable", chain_from)
        return ns

    def deepcopy(self, x: Any, memo: dict, node) -> Any:
        if id(x) in memo:
            return memo[id(x)]
        if isinstance(x, list):
            out: Any = []
            memo[id(x)] = out
            out.extend(self.deepcopy(e, memo, node) for e in x)
            return out
        if isinstance(x, tuple):
            return tuple(self.deepcopy(e, memo, node) for e in x)
        if isinstance(x, dict):
            out = {}
            memo[id(x)] = out
            for k, v in x.items():
                out[k] = self.deepcopy(v, memo, node)
            return out
        if isinstance(x, V.Module):
            new = V.Module(x.cls, x.where)
            memo[id(x)] = new
            new.kind = x.kind
            new.args = dict(x.args)
            new.attrs = {k: self.deepcopy(v, memo, node) for k, v in x.attrs.items()}
            new.modules = {k: self.deepcopy(v, memo, node) for k, v in x.modules.items()}
            new.bare = list(x.bare)
            new.unknown_reason = x.unknown_reason
            return new
        if isinstance(x, V.Instance):
            new_i = V.Instance(x.cls)
            memo[id(x)] = new_i
            new_i.attrs = {k: self.deepcopy(v, memo, node) for k, v in x.attrs.items()}
            return new_i
        if isinstance(x, set):
            return set(x)
        return x

    # ------------------------------------------------------------------
    # Instances of classes
    # ------------------------------------------------------------------
    def instantiate(self, cls: V.Class, args: list, kwargs: dict, node) -> Any:
        interp = self.interp
        if any(isinstance(c, V.Class) and c.name in ("Enum", "NamedTuple") for c in cls.mro[1:]):
            return V.Unknown(f"{cls.name} is an enum or named tuple, which convcalc does not model")
        if _is_exception_class(cls):
            return V.PyRaiseValue(cls.name, str(args[0]) if args else "")
        obj: Any = V.Module(cls, interp.where(node)) if cls.is_module else V.Instance(cls)
        found = cls.lookup("__init__")
        if found is None:
            if args or kwargs:
                raise interp.raise_py("TypeError", f"{cls.name}() takes no arguments", node)
            return obj
        init, owner = found
        if isinstance(init, V.Function):
            interp.call_function(init, [obj, *args], kwargs, node)
        elif isinstance(owner, V.TorchClass):
            self.torch_init(owner, obj, args, kwargs, node)
        elif isinstance(init, V.Builtin):
            init.fn(interp, node, [obj, *args], kwargs)
        post = cls.lookup("__post_init__")
        if post is not None and isinstance(post[0], V.Function):
            interp.call_function(post[0], [obj], {}, node)
        return obj

    def instantiate_torch(self, tc: V.TorchClass, args: list, kwargs: dict, node) -> V.Module:
        obj = V.Module(tc, self.interp.where(node))
        self.torch_init(tc, obj, args, kwargs, node)
        return obj

    def torch_init(self, tc: V.TorchClass, obj: Any, args: list, kwargs: dict, node) -> None:
        """torch's ``__init__`` of ``tc`` run on ``obj`` (itself, or a user subclass instance via super())."""
        interp = self.interp
        role = tc.role
        if not isinstance(obj, V.Module):
            raise interp.fail(node, f"{tc.qualname}.__init__ on {V.describe(obj)}")
        if role == "module":
            return
        if role == "sequential":
            if kwargs:
                raise interp.raise_py("TypeError", "nn.Sequential takes no keyword arguments", node)
            if len(args) == 1 and isinstance(args[0], dict):
                for key, m in args[0].items():
                    self.register(obj, key, m, node)
            else:
                for i, m in enumerate(args):
                    self.register(obj, str(i), m, node)
            return
        if role == "modulelist":
            items = args[0] if args else kwargs.get("modules")
            if items is not None:
                for m in interp.materialize(items, node):
                    self.register(obj, str(len(obj.modules)), m, node)
            return
        if role == "moduledict":
            items = args[0] if args else kwargs.get("modules")
            if items is not None:
                pairs = items.items() if isinstance(items, dict) else interp.materialize(items, node)
                for key, m in pairs:
                    self.register(obj, key, m, node)
            return
        if role == "shuffle":
            obj.kind = "channelshuffle"
            groups = args[0] if args else kwargs.get("groups")
            obj.args = {"groups": groups}
            return
        if role in ("unknown", "free"):
            obj.kind = None
            obj.unknown_reason = f"{tc.qualname} is not modelled by convcalc"
            return
        obj.kind = tc.kind
        obj.args = self.bind_leaf(tc, args, kwargs, node)

    def bind_leaf(self, tc: V.TorchClass, args: list, kwargs: dict, node) -> dict:
        """A torch layer's constructor arguments by torch's names, in torch's positional order."""
        interp = self.interp
        kind = tc.kind
        if kind == "identity":
            return {}
        if tc.name == "Softmax2d":
            return {"dim": -3}
        order = _torch_order(kind)
        cls, _ = L.REGISTRY[kind]
        accepted = {f.name for f in L.accepted(cls, kind)}
        if len(args) > len(order):
            raise interp.raise_py("TypeError", f"{tc.qualname}() takes at most {len(order)} positional arguments "
                                               f"({', '.join(order)}), got {len(args)}", node)
        out: dict[str, Any] = dict(zip(order, args))
        for key, value in kwargs.items():
            if key in _DROPPED_ARGS:
                continue
            if key not in accepted or key == "connections":
                raise interp.raise_py("TypeError", f"{tc.qualname}() got an unexpected keyword argument {key!r}", node)
            if key in out:
                raise interp.raise_py("TypeError", f"{tc.qualname}() got multiple values for argument {key!r}", node)
            out[key] = value
        if tc.name == "UpsamplingBilinear2d":
            out.setdefault("mode", "bilinear")
            out.setdefault("align_corners", True)
        return out

    def register(self, obj: V.Module, key: Any, m: Any, node) -> None:
        interp = self.interp
        if isinstance(key, V.Size):
            key = interp.need(key, node, "a module name")
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str):
            raise interp.fail(node, f"a module name must be a string, got {V.describe(key)}")
        if "." in key or not key:
            raise interp.raise_py("KeyError", f"module name can't contain \".\", got: {key}", node)
        if isinstance(m, V.Unknown):
            raise interp.fail(node, f"{obj.class_name}'s module {key!r} is not known: {m.reason}")
        if m is not None and not isinstance(m, V.Module):
            raise interp.raise_py("TypeError", f"{V.describe(m)} is not a Module subclass", node)
        if len(obj.modules) >= MAX_CONTAINER:
            raise interp.limit(node, f"a module with more than {MAX_CONTAINER:,} children")
        obj.attrs.pop(key, None)
        obj.modules[key] = m

    # ------------------------------------------------------------------
    # nn.Module's API
    # ------------------------------------------------------------------
    def module_setattr(self, obj: V.Module, name: str, value: Any, node) -> None:
        interp = self.interp
        if isinstance(value, V.Module):
            self.register(obj, name, value, node)
            return
        if isinstance(value, V.Param):
            obj.bare.append((value.where or interp.where(node), f"self.{name} = nn.Parameter(…)"))
            obj.attrs[name] = value
            return
        if name in obj.modules:
            if value is None:
                obj.modules[name] = None
                return
            if isinstance(value, V.Unknown):
                raise interp.fail(node, f"self.{name} (a module) is set to an unknown value: {value.reason}")
            raise interp.raise_py("TypeError", f"cannot assign {V.describe(value)} as child module {name!r}", node)
        found = obj.cls.lookup(name) if isinstance(obj.cls, V.Class) else None
        if found is not None and isinstance(found[0], V.Function) and found[0].kind == "property":
            raise interp.fail(node, f"assigning the property {name} is not read")
        obj.attrs[name] = value

    def module_getattr(self, obj: V.Module, name: str, node) -> Any:
        if name in obj.attrs:
            return obj.attrs[name]
        if name in obj.modules:
            return obj.modules[name]
        if isinstance(obj.cls, V.Class):
            if name == "__class__":
                return obj.cls
            found = obj.cls.lookup(name)
            if found is not None and not isinstance(found[1], V.TorchClass):
                return self.bind_member(found[0], obj, node)
        elif name == "__class__":
            return obj.cls
        if name == "__dict__":
            return dict(obj.attrs)
        if name == "training":
            return False
        if obj.kind is not None:
            value = self.leaf_attr(obj, name)
            if value is not _MISSING:
                return value
        return self.module_api(obj, name, node)

    def leaf_attr(self, obj: V.Module, name: str) -> Any:
        """``conv.out_channels``, ``conv.kernel_size`` (a tuple, as torch stores it), ``bn.weight``…"""
        kind = obj.kind
        cls, ndim = L.REGISTRY.get(kind, (None, None))
        if cls is None:
            return _MISSING
        args = obj.args
        if name in ("weight", "bias"):
            if name == "bias" and args.get("bias") is False:
                return None
            if kind in L.BatchNorm.TYPES or kind in L.InstanceNorm.TYPES or kind == "groupnorm":
                default_affine = kind not in L.InstanceNorm.TYPES
                if not args.get("affine", default_affine):
                    return None
            if kind == "layernorm" and not args.get("elementwise_affine", True):
                return None
            if kind in _WEIGHTED_KINDS:
                if name not in obj.params:
                    obj.params[name] = V.Param(f"{obj.class_name}.{name}", owner=obj)
                return obj.params[name]
            return _MISSING
        if name in ("running_mean", "running_var", "num_batches_tracked") and kind in L.BatchNorm.TYPES:
            return V.Param(f"{obj.class_name}.{name}") if args.get("track_running_stats", True) else None
        fields = {f.name: f for f in L.accepted(cls, kind)}
        if name not in fields and name != "in_channels":
            if name == "padding_mode" and kind in L.Conv.TYPES:
                return args.get("padding_mode", "zeros")
            return _MISSING
        f = fields.get(name)
        value = args.get(name, f.metadata["default"] if f is not None else None)
        if kind in L.Conv.TYPES | L.ConvTranspose.TYPES.keys() and name in _TUPLE_ARGS and ndim:
            if isinstance(value, (int, V.Size)) and not isinstance(value, bool):
                value = (value,) * ndim
            elif isinstance(value, list):
                value = tuple(value)
        if name == "stride" and kind in {*L.MaxPool.TYPES, *L.AvgPool.TYPES} and value is None:
            value = args.get("kernel_size")
        return value

    def module_api(self, obj: V.Module, name: str, node, owner: Any = None) -> Any:
        interp = self.interp
        lib = self

        def method(fn, pure=True):
            return V.BoundMethod(V.Builtin(f"{obj.class_name}.{name}", fn, pure), obj)

        role = obj.role
        if name in ("to", "cuda", "cpu", "eval", "train", "float", "double", "half", "requires_grad_", "bfloat16",
                    "share_memory", "zero_grad", "type"):
            return method(lambda it, n, a, k: a[0])
        if name in ("add_module", "register_module"):
            return method(lambda it, n, a, k: lib.register(a[0], a[1] if len(a) > 1 else k.get("name"),
                                                            a[2] if len(a) > 2 else k.get("module"), n), pure=False)
        if name in ("register_buffer", "register_parameter"):
            def bare(it, n, a, k):
                target, bname, value = a[0], a[1], a[2] if len(a) > 2 else k.get("tensor", k.get("param"))
                persistent = k.get("persistent", True)
                if value is not None and persistent is not False:
                    target.bare.append((it.where(n), f"{name}({bname!r}, …)"))
                target.attrs[bname] = value if value is None else V.Param(f"{bname}", where=it.where(n))
            return method(bare, pure=False)
        if name in ("children", "named_children"):
            def children(it, n, a, k):
                seen, out = set(), []
                for key, m in a[0].modules.items():
                    if m is not None and id(m) not in seen:
                        seen.add(id(m))
                        out.append((key, m) if name == "named_children" else m)
                return out
            return method(children)
        if name in ("modules", "named_modules"):
            def modules(it, n, a, k):
                out = [(p, m) if name == "named_modules" else m for p, m in lib.walk_modules(a[0])]
                return out
            return method(modules)
        if name in ("parameters", "named_parameters", "buffers", "named_buffers"):
            def params(it, n, a, k):
                out = []
                for path, m in lib.walk_modules(a[0]):
                    for pname in ("weight", "bias"):
                        if m.kind is not None:
                            p = lib.leaf_attr(m, pname)
                            if isinstance(p, V.Param):
                                full = f"{path}.{pname}" if path else pname
                                out.append((full, p) if name.startswith("named") else p)
                return out
            return method(params)
        if name == "apply":
            def apply(it, n, a, k):
                for _, m in reversed(lib.walk_modules(a[0])):
                    it.call(a[1], [m], {}, n)
                return a[0]
            return method(apply, pure=False)
        if name == "forward":
            return method(lambda it, n, a, k: lib.torch_forward(owner or obj.cls, a[0], a[1:], k, n))
        if name == "__call__":
            return method(lambda it, n, a, k: lib.call_module(a[0], a[1:], k, n))
        if name == "__setattr__":
            return method(lambda it, n, a, k: lib.module_setattr(a[0], a[1], a[2], n), pure=False)
        if name == "__getattr__":
            return method(lambda it, n, a, k: lib.module_getattr(a[0], a[1], n))
        if name == "extra_repr":
            return method(lambda it, n, a, k: "")
        if name in ("state_dict", "load_state_dict", "named_parameters"):
            return method(lambda it, n, a, k: V.UnknownCall(f"{name}() is not modelled"), pure=False)
        if name == "get_submodule":
            def get_sub(it, n, a, k):
                m = a[0]
                for part in (a[1].split(".") if a[1] else []):
                    m = lib.module_getattr(m, part, n)
                return m
            return method(get_sub)
        if role in ("sequential", "modulelist"):
            if name == "append":
                return method(lambda it, n, a, k: (lib.register(a[0], str(len(a[0].modules)), a[1], n), a[0])[1],
                              pure=False)
            if name == "extend":
                def extend(it, n, a, k):
                    for m in it.materialize(a[1], n):
                        lib.register(a[0], str(len(a[0].modules)), m, n)
                    return a[0]
                return method(extend, pure=False)
            if name == "insert":
                def insert(it, n, a, k):
                    items = list(a[0].modules.values())
                    index = a[1] if a[1] >= 0 else len(items) + a[1]
                    items.insert(index, a[2])
                    a[0].modules = {}
                    for i, m in enumerate(items):
                        lib.register(a[0], str(i), m, n)
                return method(insert, pure=False)
            if name == "pop":
                def pop(it, n, a, k):
                    items = list(a[0].modules.items())
                    index = a[1] if len(a) > 1 else -1
                    key, m = items.pop(index)
                    del a[0].modules[key]
                    return m
                return method(pop, pure=False)
        if role == "moduledict":
            if name in ("items", "keys", "values"):
                return method(lambda it, n, a, k: list(getattr(a[0].modules, name)()))
            if name == "update":
                def update(it, n, a, k):
                    pairs = a[1].items() if isinstance(a[1], dict) else it.materialize(a[1], n)
                    for key, m in pairs:
                        lib.register(a[0], key, m, n)
                return method(update, pure=False)
            if name == "pop":
                return method(lambda it, n, a, k: a[0].modules.pop(a[1]), pure=False)
        if name in ("weight", "bias") and obj.kind is None:
            raise interp.raise_py("AttributeError", f"{obj.class_name!r} object has no attribute {name!r}", node)
        if name.startswith("_") and name in ("_modules",):
            return dict(obj.modules)
        raise interp.raise_py("AttributeError", f"{obj.class_name!r} object has no attribute {name!r}", node)

    def walk_modules(self, root: V.Module) -> list[tuple[str, V.Module]]:
        """``named_modules()``: every module once, depth first, in registration order."""
        out: list[tuple[str, V.Module]] = []
        seen: set[int] = set()
        stack: list[tuple[str, V.Module]] = [("", root)]
        while stack:
            path, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            out.append((path, m))
            if len(out) > MAX_CONTAINER:
                raise self.interp.limit(None, f"a model of more than {MAX_CONTAINER:,} modules")
            children = [(f"{path}.{k}" if path else k, c) for k, c in m.modules.items() if c is not None]
            stack.extend(reversed(children))
        return out

    def module_items(self, obj: V.Module, node) -> list:
        role = obj.role
        if role in ("sequential", "modulelist"):
            return [m for m in obj.modules.values() if m is not None]
        if role == "moduledict":
            return list(obj.modules)
        if isinstance(obj.cls, V.Class):
            found = obj.cls.lookup("__iter__")
            if found is not None and isinstance(found[0], V.Function):
                return self.interp.materialize(self.interp.call(V.BoundMethod(found[0], obj), [], {}, node), node)
        raise self.interp.raise_py("TypeError", f"{obj.class_name} is not iterable", node)

    def module_len(self, obj: V.Module, node) -> int:
        if isinstance(obj.cls, V.Class):
            found = obj.cls.lookup("__len__")
            if found is not None and isinstance(found[0], V.Function):
                return self.interp.call(V.BoundMethod(found[0], obj), [], {}, node)
        if obj.role in ("sequential", "modulelist", "moduledict"):
            return len(obj.modules)
        raise self.interp.raise_py("TypeError", f"len() of a {obj.class_name} module", node)

    def module_truth(self, obj: V.Module, node) -> bool:
        if isinstance(obj.cls, V.Class):
            for dunder in ("__bool__", "__len__"):
                found = obj.cls.lookup(dunder)
                if found is not None and isinstance(found[0], V.Function):
                    return bool(self.interp.call(V.BoundMethod(found[0], obj), [], {}, node))
        if obj.role in ("sequential", "modulelist", "moduledict"):
            return len(obj.modules) > 0  # an empty nn.Sequential() is falsy, as torch's __len__ makes it
        return True

    def module_contains(self, obj: V.Module, item: Any, node) -> bool:
        if obj.role == "moduledict":
            return item in obj.modules
        return any(m is item for m in obj.modules.values())

    def module_getitem(self, obj: V.Module, index: Any, node) -> Any:
        interp = self.interp
        role = obj.role
        if isinstance(index, V.Size):
            index = interp.need(index, node, "an index")
        if role == "moduledict":
            if index not in obj.modules:
                raise interp.raise_py("KeyError", repr(index), node)
            return obj.modules[index]
        if role in ("sequential", "modulelist"):
            items = list(obj.modules.items())
            if isinstance(index, slice):
                new = V.Module(obj.cls if isinstance(obj.cls, V.TorchClass) else self.torch_classes[
                    "Sequential" if role == "sequential" else "ModuleList"], obj.where)
                for key, m in items[index]:
                    new.modules[key if role == "sequential" else str(len(new.modules))] = m
                return new
            if isinstance(index, int):
                try:
                    return items[index][1]
                except IndexError:
                    raise interp.raise_py("IndexError", f"index {index} is out of range", node) from None
        if isinstance(obj.cls, V.Class):
            found = obj.cls.lookup("__getitem__")
            if found is not None and isinstance(found[0], V.Function):
                return interp.call(V.BoundMethod(found[0], obj), [index], {}, node)
        raise interp.raise_py("TypeError", f"{obj.class_name} is not subscriptable", node)

    def module_setitem(self, obj: V.Module, index: Any, value: Any, node) -> None:
        role = obj.role
        if role == "moduledict":
            self.register(obj, index, value, node)
            return
        if role in ("sequential", "modulelist") and isinstance(index, int):
            keys = list(obj.modules)
            self.register(obj, keys[index], value, node)
            return
        raise self.interp.raise_py("TypeError", f"{obj.class_name} does not support item assignment", node)

    def module_delitem(self, obj: V.Module, index: Any, node) -> None:
        keys = list(obj.modules)
        if obj.role == "moduledict":
            obj.modules.pop(index, None)
        elif isinstance(index, int):
            del obj.modules[keys[index]]

    def module_add(self, a: V.Module, b: V.Module, node) -> V.Module:
        if a.role == "sequential" and b.role == "sequential":
            new = V.Module(self.torch_classes["Sequential"], self.interp.where(node))
            for m in [*a.modules.values(), *b.modules.values()]:
                self.register(new, str(len(new.modules)), m, node)
            return new
        raise self.interp.raise_py("TypeError", "modules cannot be added", node)

    def call_module(self, obj: V.Module, args: list, kwargs: dict, node) -> Any:
        interp = self.interp
        if interp.tracer is None:
            if args and not kwargs and all(isinstance(a, V.ExampleTensor) and a.shape is not None and len(a.shape) > 1
                                           for a in args):
                return self.dry_run(obj, args, node)
            return V.UnknownCall(f"calling {obj.class_name} outside forward() on {V.describe(args[0]) if args else 'nothing'}"
                                 " is not traced", harmless=True)
        return interp.tracer.call_module(obj, args, kwargs, node)

    def scratch(self, fn, args: list, kwargs: dict, node) -> Any:
        """A tensor function or method applied to example tensors outside forward() (``F.max_pool2d(x, 2)`` in a
        dry run that sizes a Linear): traced apart from the model's graph, giving example tensors back."""
        from .forward import CallFrame, Tracer

        interp = self.interp
        root = V.Module(V.MODULE_BASE)
        tracer = Tracer(interp, root, interp.origin)
        examples = [a for a in [*args, *kwargs.values()] if isinstance(a, V.ExampleTensor)]
        batch = examples[0].shape[0] if examples and examples[0].shape else 1
        count = iter(range(1_000_000))

        def to_tensor(v):
            if isinstance(v, V.ExampleTensor):
                return V.Tensor(f"x{next(count)}", None if v.shape is None else tuple(v.shape[1:]))
            if isinstance(v, (list, tuple)):
                return type(v)(to_tensor(e) for e in v)
            return v

        def to_example(v):
            if isinstance(v, V.Tensor):
                return V.ExampleTensor(None if v.shape is None else (batch, *v.shape))
            if isinstance(v, V.Size):
                return batch if v.batch else (v.value if v.value is not None else V.Unknown("a size"))
            if isinstance(v, (list, tuple)):
                return type(v)(to_example(e) for e in v)
            return v

        saved = interp.tracer
        interp.tracer = tracer
        tracer.frames.append(CallFrame(root, tracer.top))
        try:
            result = fn(tracer, [to_tensor(a) for a in args], {k: to_tensor(v) for k, v in kwargs.items()})
        finally:
            tracer.frames.pop()
            interp.tracer = saved
        if tracer.broken is not None:
            raise interp.raise_py("RuntimeError", str(tracer.broken), node)
        return to_example(result)

    def dry_run(self, obj: V.Module, args: list, node) -> Any:
        """``self.features(torch.zeros(1, 3, 32, 32))`` in ``__init__`` (sizing a Linear by a dry run): traced on
        its own, apart from the model's graph; the result is an example tensor of the shape torch would give."""
        from .forward import Tracer

        tracer = Tracer(self.interp, obj, self.interp.origin)
        batch = args[0].shape[0]
        result = tracer.run([(f"x{i}", tuple(a.shape[1:])) for i, a in enumerate(args)], node)

        def example(v):
            if isinstance(v, V.Tensor):
                return V.ExampleTensor(None if v.shape is None else (batch, *v.shape))
            if isinstance(v, (tuple, list)):
                return type(v)(example(e) for e in v)
            return v

        if tracer.broken is not None:
            return V.Unknown(f"the dry run of {obj.class_name} at {self.interp.where(node)} fails: {tracer.broken}")
        return example(result)

    def torch_forward(self, owner: Any, obj: V.Module, args: list, kwargs: dict, node) -> Any:
        """torch's own forward of ``owner`` (a base class): Sequential runs its children in order."""
        interp = self.interp
        if interp.tracer is None:
            return V.UnknownCall("forward() outside a forward pass", harmless=True)
        return interp.tracer.base_forward(owner, obj, args, kwargs, node)

    # ------------------------------------------------------------------
    # tensors: operators (the tracer builds the graph)
    # ------------------------------------------------------------------
    def tensor_binop(self, op, a, b, node, inplace=False):
        interp = self.interp
        if interp.tracer is None:
            return V.Unknown("tensor arithmetic outside forward()")
        return interp.tracer.binop(op, a, b, node, inplace)

    def tensor_unary(self, op, value, node):
        interp = self.interp
        if interp.tracer is None:
            return V.Unknown("tensor arithmetic outside forward()")
        return interp.tracer.unary(op, value, node)

    # ------------------------------------------------------------------
    # parameters and example tensors outside forward()
    # ------------------------------------------------------------------
    def param_attr(self, p: V.Param, name: str, node) -> Any:
        if name in ("data", "grad", "T"):
            return p
        if name == "requires_grad":
            return not getattr(p, "frozen", False)
        if name == "shape":
            return V.Unknown(f"the shape of {p.label}")
        return V.BoundMethod(V.Builtin(f"{p.label}.{name}", lambda it, n, a, k: a[0] if name.endswith("_")
                                       else V.Unknown(f"{p.label}.{name}()")), p)

    def example_attr(self, t: V.ExampleTensor, name: str, node) -> Any:
        if name in ("shape",):
            return tuple(t.shape) if t.shape is not None else V.Unknown("the shape of an example tensor")
        if name == "size":
            def size(it, n, a, k):
                if t.shape is None:
                    return V.Unknown("the shape of an example tensor")
                return t.shape[a[1]] if len(a) > 1 else tuple(t.shape)
            return V.BoundMethod(V.Builtin("size", size), t)
        if name in ("to", "cuda", "cpu", "float", "double", "half", "unsqueeze_", "requires_grad_", "detach",
                    "clone", "contiguous"):
            return V.BoundMethod(V.Builtin(name, lambda it, n, a, k: a[0]), t)
        if name in ("dim", "ndimension"):
            return V.BoundMethod(V.Builtin(name, lambda it, n, a, k: len(t.shape) if t.shape else
                                           V.Unknown("rank")), t)
        if name == "numel":
            return V.BoundMethod(V.Builtin(name, lambda it, n, a, k: math.prod(t.shape) if t.shape else
                                           V.Unknown("numel")), t)
        from .forward import _TENSOR_METHODS

        if name in ("view", "reshape", "flatten"):  # the whole shape, the first dim included (no batch semantics)
            return V.BoundMethod(V.Builtin(name, lambda it, n, a, k: _example_reshape(it, n, t, name, a[1:], k)), t)
        if name in _TENSOR_METHODS and t.shape is not None and len(t.shape) > 1:
            handler = _TENSOR_METHODS[name]
            return V.BoundMethod(V.Builtin(name, lambda it, n, a, k: self.scratch(
                lambda tr, args, kwargs: handler(tr, n, args[0], args[1:], kwargs), list(a), k, n)), t)
        return V.Unknown(f"tensor.{name} outside forward()")


_MISSING = object()


def _example_reshape(it, node, t: V.ExampleTensor, name: str, args: list, kwargs: dict) -> Any:
    """``x.view(-1, 1, 50, 50)`` / ``x.flatten(1)`` of an example tensor: its new shape."""
    if t.shape is None:
        return V.ExampleTensor(None)
    total = math.prod(t.shape)
    rank = len(t.shape)
    if name == "flatten":
        start = args[0] if args else kwargs.get("start_dim", 0)
        end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
        start, end = (d + rank if d < 0 else d for d in (start, end))
        return V.ExampleTensor((*t.shape[:start], math.prod(t.shape[start:end + 1]), *t.shape[end + 1:]))
    dims = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)
    dims = [d.value if isinstance(d, V.Size) else d for d in dims]
    if not all(type(d) is int for d in dims) or dims.count(-1) > 1:
        return V.ExampleTensor(None)
    known = math.prod(d for d in dims if d != -1)
    if -1 in dims:
        if known == 0 or total % known:
            raise it.raise_py("RuntimeError", f"shape {dims} is invalid for input of size {total}", node)
        dims = [total // known if d == -1 else d for d in dims]
    if math.prod(dims) != total:
        raise it.raise_py("RuntimeError", f"shape {dims} is invalid for input of size {total}", node)
    return V.ExampleTensor(tuple(dims))

def _is_exception_class(cls: V.Class) -> bool:
    return any(isinstance(c, V.PyType) and c.name in _EXCEPTIONS for c in cls.bases) or any(
        isinstance(c, V.Class) and _is_exception_class(c) for c in cls.bases)


def _exception_maker(name: str):
    def make(it, node, args, kwargs):
        message = args[0] if args else ""
        if isinstance(message, V.Unknown):
            message = "…"
        return V.PyRaiseValue(name, str(message) if isinstance(message, (str, int, float)) else V.describe(message))
    return make


def _noop_init(it, node, args, kwargs):
    return args[0] if args else None


def _ntuple(n: int):
    def fn(it, node, args, kwargs):
        x = args[0]
        if isinstance(x, (list, tuple)):
            return tuple(x)
        return (x,) * n
    return fn


def _plain_numbers(it, node, args, name):
    out = []
    for a in args:
        if isinstance(a, V.Unknown):
            return a
        if isinstance(a, V.Size):
            a = it.need(a, node, f"math.{name}()")
        if isinstance(a, (list, tuple)):
            a = [x.value if isinstance(x, V.Size) else x for x in a]
            if any(x is None or isinstance(x, V.Unknown) for x in a):
                return V.Unknown(f"math.{name}() of unknown values")
        out.append(a)
    return out


def _math_int(fn):
    def call(it, node, args, kwargs):
        values = _plain_numbers(it, node, args, fn.__name__)
        if isinstance(values, V.Unknown):
            return values
        try:
            return it.check_int(fn(*values), node)
        except (TypeError, ValueError, OverflowError) as exc:
            raise it.raise_py(type(exc).__name__, str(exc), node) from None
    return call


def _math_fn(fn, name):
    def call(it, node, args, kwargs):
        values = _plain_numbers(it, node, args, name)
        if isinstance(values, V.Unknown):
            return values
        if name in ("pow",) and len(values) == 2 and all(isinstance(v, (int, float)) for v in values):
            if abs(values[0]) > 1 and values[1] * math.log2(abs(values[0])) > 4096:
                raise it.limit(node, "a power too large")
        if name == "prod":
            return it.check_int(_bounded_prod(it, node, values[0]), node)
        try:
            return fn(*values, **kwargs)
        except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
            raise it.raise_py(type(exc).__name__, str(exc), node) from None
    return call


def _bounded_prod(it, node, items) -> Any:
    total = 1
    for x in items:
        total = it.check_int(total * x, node)
    return total


def _math_bounded(fn, bound):
    def call(it, node, args, kwargs):
        values = _plain_numbers(it, node, args, fn.__name__)
        if isinstance(values, V.Unknown):
            return values
        if any(isinstance(v, int) and v > bound for v in values):
            raise it.limit(node, f"math.{fn.__name__}() of more than {bound}")
        try:
            return fn(*values)
        except (TypeError, ValueError) as exc:
            raise it.raise_py(type(exc).__name__, str(exc), node) from None
    return call


class _Bounded:
    """An iterator from itertools over plain values, counted against the container bound."""

    bounded_iterator = True

    def __init__(self, it_, interp, node):
        self.it = iter(it_)
        self.count = 0
        self.interp = interp
        self.node = node

    def __iter__(self):
        return self

    def __next__(self):
        self.count += 1
        if self.count > MAX_CONTAINER:
            raise self.interp.limit(self.node, f"an iterator of more than {MAX_CONTAINER:,} items")
        return next(self.it)


def _make_container(kind):
    def make(it, node, args, kwargs):
        if kind is dict:
            out = {}
            if args:
                src = args[0]
                if isinstance(src, dict):
                    out.update(src)
                elif isinstance(src, V.Unknown):
                    return src
                else:
                    for pair in it.materialize(src, node):
                        k, v = it.materialize(pair, node)
                        it.setkey(out, k, v, node)
            out.update(kwargs)
            it.check_size(len(out), node, "a dict")
            return out
        if not args:
            return kind()
        if isinstance(args[0], V.Unknown):
            return args[0]
        if isinstance(args[0], V.Module) and kind in (list, tuple):
            return kind(it.lib.module_items(args[0], node))
        items = it.materialize(args[0], node)
        try:
            return kind(items)
        except TypeError as exc:
            raise it.raise_py("TypeError", str(exc), node) from None
    return make


def _object_maker(it, node, args, kwargs):
    return V.Opaque("an object")


_PY_TYPES = {
    "int": V.PyType("int", (int,), None), "float": V.PyType("float", (float, int), None),
    "str": V.PyType("str", (str,), None), "bool": V.PyType("bool", (bool,), None),
    "list": V.PyType("list", (list,), _make_container(list)),
    "tuple": V.PyType("tuple", (tuple,), _make_container(tuple)),
    "dict": V.PyType("dict", (dict,), _make_container(dict)),
    "set": V.PyType("set", (set,), _make_container(set)),
    "frozenset": V.PyType("frozenset", (frozenset,), _make_container(frozenset)),
    "object": V.PyType("object", (object,), _object_maker),
    "slice": V.PyType("slice", (slice,), lambda it, n, a, k: slice(*a)),
}
_EXCEPTIONS = ("Exception", "BaseException", "ValueError", "TypeError", "KeyError", "IndexError", "RuntimeError",
               "NotImplementedError", "AttributeError", "AssertionError", "ImportError", "ModuleNotFoundError",
               "ZeroDivisionError", "StopIteration", "LookupError", "ArithmeticError", "OverflowError",
               "UserWarning", "DeprecationWarning", "Warning", "NameError", "OSError", "FileNotFoundError")
_TENSOR_TYPE = V.PyType("Tensor", (), lambda it, n, a, k: V.Unknown("torch.Tensor(...)"))
_SAFE_DUNDERS = frozenset({"__name__", "__class__", "__qualname__", "__init__", "__dict__", "__mro__", "__doc__",
                           "__self__", "__func__", "__module__", "__call__", "__len__", "__getitem__", "__setattr__",
                           "__getattr__"})


def _fill_py_type_makers() -> None:
    def make_scalar(kind):
        def make(it, node, args, kwargs):
            return it.lib.scalars[kind].fn(it, node, args, kwargs)
        return make

    for name in ("int", "float", "str", "bool"):
        _PY_TYPES[name].make = make_scalar(name)


_fill_py_type_makers()

