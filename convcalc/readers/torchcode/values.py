"""The values the interpreter computes with.

Plain Python data (``int``, ``float``, ``str``, ``bool``, ``None``, lists, tuples, dicts, ranges,
slices) stand for themselves. Everything else is one of the classes below: functions and classes
read from the user's text, objects and ``nn.Module`` instances built from them, torch's classes and
namespaces, tensors flowing through ``forward()``, sizes read off tensors, and :class:`Unknown` —
what cannot be known without running the code (astroid's ``Uninferable``): it spreads through
arithmetic and containers and becomes an error only where a decision or a layer needs it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


# ----------------------------------------------------------------------------
# What cannot be known
# ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Unknown:
    """A value convcalc cannot know: ``reason`` says why, naming where it came from
    (``np.prod(…) at 12:8: numpy is not modelled``)."""

    reason: str

    def __repr__(self) -> str:
        return f"<unknown: {self.reason}>"


@dataclass(frozen=True, slots=True)
class UnknownCall(Unknown):
    """The result of calling something convcalc does not model. A call made only for what it does
    (its result dropped) is an error inside model code, unless ``harmless``."""

    harmless: bool = False


def first_unknown(*values: Any) -> Unknown | None:
    """The first :class:`Unknown` among ``values``, looking one level into lists, tuples and dicts."""
    for v in values:
        if isinstance(v, Unknown):
            return v
        if isinstance(v, (list, tuple)):
            for e in v:
                if isinstance(e, Unknown):
                    return e
        elif isinstance(v, dict):
            for e in v.values():
                if isinstance(e, Unknown):
                    return e
    return None


# ----------------------------------------------------------------------------
# Functions and classes from the user's text
# ----------------------------------------------------------------------------
class Scope:
    """Variables of a module, class body, function call or comprehension; ``parent`` is the enclosing
    function scope (class bodies are skipped, as Python does), ``None`` at module level."""

    __slots__ = ("globals_", "is_class", "module", "nonlocals", "parent", "vars")

    def __init__(self, parent: Scope | None, module: ModuleScope | None = None, is_class: bool = False):
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.module = module if module is not None else (parent.module if parent is not None else None)
        self.globals_: set[str] = set()
        self.nonlocals: set[str] = set()
        self.is_class = is_class


class ModuleScope(Scope):
    """A file's globals."""

    __slots__ = ("exprs", "failures", "origin", "path", "text", "tree")

    def __init__(self, origin: str, tree: ast.Module, text: str):
        super().__init__(None)
        self.module = self
        self.origin = origin
        self.tree = tree
        self.text = text
        self.exprs: list[tuple[ast.stmt, Any]] = []  #: top-level expression statements and their values
        self.failures: dict[int, BaseException] = {}  #: id(statement) → why a top-level statement failed


@dataclass(eq=False)
class Function:
    """A ``def`` or ``lambda`` of the user's text, with its closure and evaluated defaults."""

    node: ast.FunctionDef | ast.Lambda | ast.AsyncFunctionDef
    closure: Scope
    name: str
    qualname: str
    defaults: list[Any]
    kw_defaults: dict[str, Any]
    owner: Class | None = None  #: the class whose body defines it (for ``super()``)
    kind: str = "function"  #: ``function``, ``staticmethod``, ``classmethod``, ``property``

    def __repr__(self) -> str:
        return f"<function {self.qualname}>"


@dataclass(eq=False)
class BoundMethod:
    function: Any  #: a Function or a Builtin
    self_: Any

    def __repr__(self) -> str:
        return f"<bound method {getattr(self.function, 'qualname', self.function)}>"


@dataclass(eq=False)
class Class:
    """A ``class`` of the user's text (or of convcalc's torchvision prelude)."""

    name: str
    bases: list[Any]
    ns: dict[str, Any]
    node: ast.ClassDef | None
    mro: list[Any] = field(default_factory=list)  #: Class and TorchClass objects, this class first
    origin: str = ""

    @property
    def is_module(self) -> bool:
        return any(isinstance(c, TorchClass) for c in self.mro)

    def lookup(self, name: str, start: int = 0) -> tuple[Any, Any] | None:
        """(value, owner) of ``name`` in the MRO from position ``start``."""
        for owner in self.mro[start:]:
            if isinstance(owner, Class) and name in owner.ns:
                return owner.ns[name], owner
            if isinstance(owner, TorchClass) and name in owner.attrs:
                return owner.attrs[name], owner
        return None

    def torch_base(self) -> TorchClass | None:
        return next((c for c in self.mro if isinstance(c, TorchClass)), None)

    def __repr__(self) -> str:
        return f"<class {self.name}>"


@dataclass(eq=False)
class Instance:
    """An object of a user class that is no ``nn.Module``."""

    cls: Class
    attrs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<{self.cls.name} object>"


@dataclass(eq=False)
class Super:
    """``super()``: attribute lookup after ``owner`` in the MRO of ``obj``'s class."""

    owner: Any
    obj: Any


# ----------------------------------------------------------------------------
# torch's modules
# ----------------------------------------------------------------------------
@dataclass(eq=False)
class TorchClass:
    """A torch.nn class: a layer convcalc knows (``kind``), a container, ``nn.Module`` itself,
    or one it does not model (``role == 'unknown'``)."""

    name: str  #: torch's class name, ``Conv2d``
    role: str  #: ``module``, ``leaf``, ``sequential``, ``modulelist``, ``moduledict``, ``unknown``, ``free``
    kind: str | None = None  #: convcalc's layer type for a leaf, ``conv2d``
    qualname: str = ""  #: ``nn.Conv2d``
    attrs: dict[str, Any] = field(default_factory=dict)  #: class attributes visible to subclasses

    @property
    def mro(self) -> list[Any]:
        return [self] if self.role == "module" else [self, MODULE_BASE]

    @property
    def is_module(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<torch class {self.qualname or self.name}>"


MODULE_BASE = TorchClass("Module", "module", qualname="nn.Module")


class Module:
    """An ``nn.Module`` instance: its class, child modules in registration order, other attributes.

    A torch layer (``cls`` a leaf TorchClass, or a user subclass of one) has ``kind`` and ``args`` (its
    constructor arguments by torch's names). ``where`` is the call that built it (for messages)."""

    __slots__ = (
        "__weakref__",
        "args",
        "attrs",
        "bare",
        "calls",
        "cls",
        "kind",
        "modules",
        "params",
        "path",
        "unknown_reason",
        "where",
    )

    def __init__(self, cls: Any, where: str = ""):
        self.cls = cls
        self.modules: dict[str, Module | None] = {}
        self.attrs: dict[str, Any] = {}
        self.kind: str | None = None
        self.args: dict[str, Any] = {}
        self.where = where
        self.path: str | None = None  #: its name in the model (torch's named_modules), set once the model is built
        self.calls = 0  #: times forward() called it
        self.bare: list[str] = []  #: parameters and buffers registered directly (not counted: refused)
        self.unknown_reason: str | None = None
        self.params: dict[str, Param] = {}  #: a layer's weight and bias as read by initialisation code

    @property
    def class_name(self) -> str:
        return self.cls.name

    @property
    def role(self) -> str:
        """The torch base behaviour: ``leaf``, ``sequential``, ``modulelist``, ``moduledict``, ``module``, …"""
        if isinstance(self.cls, TorchClass):
            return self.cls.role
        base = self.cls.torch_base()
        return base.role if base is not None else "module"

    def __repr__(self) -> str:
        return f"<{self.class_name} module>"


@dataclass(eq=False)
class Param:
    """A layer's ``weight`` or ``bias`` (or an ``nn.Parameter``): only initialisation code touches it."""

    label: str
    numel: int | None = None
    owner: Module | None = None  #: the layer it belongs to
    where: str = ""
    frozen: bool = False  #: ``requires_grad = False``


@dataclass(eq=False)
class Partial:
    """``functools.partial(func, *args, **kwargs)``."""

    func: Any
    args: tuple
    kwargs: dict


# ----------------------------------------------------------------------------
# Namespaces and built-in callables
# ----------------------------------------------------------------------------
@dataclass(eq=False)
class Namespace:
    """A module of torch, torchvision or the standard library as convcalc models it (or a user's
    other file). A name it does not hold is :class:`Unknown` where it is used."""

    name: str
    members: dict[str, Any]
    modelled: bool = True  #: False: an import convcalc does not model (numpy, the user's other files)
    where: str = ""  #: where it was imported

    def __repr__(self) -> str:
        return f"<module {self.name}>"


@dataclass(eq=False)
class Builtin:
    """A callable implemented by convcalc: ``fn(interp, node, args, kwargs)``."""

    name: str
    fn: Callable[..., Any]
    #: no side effects on the model: a call whose result is dropped may be skipped
    pure: bool = True

    def __repr__(self) -> str:
        return f"<built-in {self.name}>"


@dataclass(eq=False)
class PyType:
    """A Python built-in type used as a value (``int``, ``list``, ``isinstance(x, (list, tuple))``)."""

    name: str
    types: tuple[type, ...]
    make: Callable[..., Any]


# ----------------------------------------------------------------------------
# forward(): tensors and their sizes
# ----------------------------------------------------------------------------
class Tensor:
    """A tensor in forward(): ``ref`` names the graph node (or network input) that makes it; ``shape``
    is its shape without the batch dim, None when not known (no input shape given)."""

    __slots__ = ("expand", "ref", "shape")

    def __init__(self, ref: str, shape: tuple[int, ...] | None, expand: Tensor | None = None):
        self.ref = ref
        self.shape = shape
        self.expand = expand  #: ``y.expand_as(x)``: y, broadcast to x (only element-wise ops may read it)

    @property
    def rank(self) -> int | None:
        """Dims with the batch dim."""
        return None if self.shape is None else len(self.shape) + 1

    def __repr__(self) -> str:
        return f"<tensor {self.ref} {self.shape}>"


class Size:
    """An int read off a tensor (``x.size(2)``), or arithmetic on such ints: ``value`` is the number
    (None: the batch size, or a shape not known), ``expr`` how it was computed — so that
    ``F.pad(x1, [diffX // 2, diffX - diffX // 2, …])`` and ``F.interpolate(x, size=y.shape[2:])``
    are recognised as "to the size of that tensor"."""

    __slots__ = ("expr", "value")

    def __init__(self, value: int | None, expr: tuple):
        self.value = value
        self.expr = expr

    @property
    def batch(self) -> bool:
        return self.expr[0] == "dim" and self.expr[2] == 0

    def __repr__(self) -> str:
        return f"<size {self.value} {self.expr}>"


def size_expr(v: Any) -> tuple:
    return v.expr if isinstance(v, Size) else ("const", v)


class PyRaiseValue:
    """An exception object the code builds (``ValueError("…")``) or catches (``except E as e``)."""

    def __init__(self, type_name: str, message: str):
        self.type_name = type_name
        self.message = message
        self.args = (message,)


@dataclass(eq=False)
class ExampleTensor:
    """``torch.randn(1, 3, 32, 32)`` outside forward(): an example input (its shape with the batch dim)."""

    shape: tuple | None


@dataclass(eq=False)
class Opaque:
    """Something harmless and unknown (a dtype, a device, a generator) used only where nothing depends on it."""

    label: str


def describe(value: Any) -> str:
    """A short description of a value for messages."""
    if isinstance(value, Unknown):
        return "an unknown value"
    if isinstance(value, Module):
        return f"a {value.class_name} module"
    if isinstance(value, Tensor):
        return "a tensor"
    if isinstance(value, (Function, Builtin)):
        return f"the function {getattr(value, 'qualname', value.name)}"
    if isinstance(value, Class):
        return f"the class {value.name}"
    if isinstance(value, TorchClass):
        return f"the class {value.qualname or value.name}"
    if isinstance(value, (int, float, str, bool, type(None))):
        return repr(value)
    return type(value).__name__
