"""Dataclasses made in a fraction of the time: ``@record(...)`` is ``@dataclass(...)`` whose generated methods
are written once, here, over the class's fields.

Python 3.11's ``dataclass`` compiles each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and a frozen
class's ``__setattr__``/``__delattr__`` from source: about half a millisecond a class, a fifth of convcalc's
start-up for the two dozen a run makes. A record gets the same behaviour from the functions below instead:

* ``__init__`` as dataclass writes it — positional and keyword-only arguments as declared, defaults, default
  factories, the same TypeErrors. A class made by the hundred thousand (a report's rows, the graph's nodes)
  writes its own ``__init__`` in its body, as dataclass would generate it (a field with a default factory
  defaults to :data:`FACTORY`), which runs faster than a loop over the fields and costs nothing to make —
  dataclass compiling it took a millisecond of every start-up for the largest. ``tests/test_records.py``
  holds each such ``__init__`` to the one dataclass generates. ``fast_init=True`` keeps dataclass's own;
* ``__repr__``, ``__eq__`` (same class, fields with ``compare``) and ``__hash__`` (frozen, or ``unsafe_hash``;
  otherwise unhashable, as dataclass makes a class with ``eq``);
* frozen: assigning or deleting an attribute raises :class:`dataclasses.FrozenInstanceError`; copy, deepcopy
  and pickle still work.

It stays a dataclass: :func:`dataclasses.fields`, ``replace``, ``asdict`` and ``is_dataclass`` work on it, and
``tests/test_records.py`` holds each behaviour against dataclass's own. A method written in the class body is
kept, as dataclass keeps it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

_MISSING = dataclasses.MISSING


class _Factory:
    """The default, in a hand-written ``__init__``, of a field made by its default factory when not given."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"  # as dataclass's own sentinel shows in a signature


FACTORY: Any = _Factory()

set_field = object.__setattr__  #: how a frozen record's hand-written ``__init__`` sets its fields


def record(*, frozen: bool = False, slots: bool = False, kw_only: bool = False, unsafe_hash: bool = False,
           fast_init: bool = False):
    """``@dataclass(frozen=…, slots=…, kw_only=…, unsafe_hash=…)`` for ``cls``, with the methods written here
    (see the module docstring); ``fast_init`` keeps dataclass's generated ``__init__``."""

    def wrap(cls: type) -> type:
        own = set(cls.__dict__)
        if not cls.__doc__:  # dataclass would write one from inspect.signature(cls): see convcalc._dataclasses
            hints = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect is what this avoids)
            cls.__doc__ = f"{cls.__name__}({', '.join(f'{k}: {_annotation(v)}' for k, v in hints.items())})"
        # frozen is dataclass's only where its generated __init__ needs it (it then sets fields through
        # object.__setattr__, and the generated __setattr__/__delattr__ come with it)
        made = dataclasses.dataclass(cls, init=fast_init, repr=False, eq=False, frozen=frozen and fast_init,
                                     slots=slots, kw_only=kw_only)
        if not fast_init and "__init__" not in own:
            made.__init__ = init
        if "__repr__" not in own:
            made.__repr__ = repr_
        if "__eq__" not in own:
            made.__eq__ = eq
        if "__hash__" not in own:
            made.__hash__ = hash_ if frozen or unsafe_hash else None
        if frozen and not fast_init:
            made.__setattr__, made.__delattr__ = _frozen_setattr, _frozen_delattr
            if slots:  # (as dataclass gives a frozen class with slots: its state restored past __setattr__)
                made.__getstate__, made.__setstate__ = _getstate, _setstate
        return made

    return wrap


def _annotation(hint: Any) -> str:
    """A field's annotation in a docstring, as inspect.formatannotation writes it."""
    if isinstance(hint, type) and not hasattr(hint, "__origin__"):
        return hint.__qualname__ if hint.__module__ == "builtins" else f"{hint.__module__}.{hint.__qualname__}"
    return hint if isinstance(hint, str) else repr(hint)


class _Plan:
    """What ``__init__`` needs of a class, worked out at its first instance."""

    __slots__ = ("defaults", "names", "positional", "qualname")

    def __init__(self, cls: type):
        fields = [f for f in dataclasses.fields(cls) if f.init]
        self.names = tuple(f.name for f in fields)
        self.positional = tuple(f.name for f in fields if not f.kw_only)
        self.defaults = {f.name: (f.default, f.default_factory) for f in fields}
        self.qualname = cls.__qualname__


_PLANS: dict[type, _Plan] = {}


def init(self, *args: Any, **kwargs: Any) -> None:
    plan = _PLANS.get(type(self)) or _PLANS.setdefault(type(self), _Plan(type(self)))
    if len(args) > len(plan.positional):
        raise TypeError(f"{plan.qualname}.__init__() takes {len(plan.positional) + 1} positional arguments but "
                        f"{len(args) + 1} were given")
    for name, value in zip(plan.positional, args):
        if name in kwargs:
            raise TypeError(f"{plan.qualname}.__init__() got multiple values for argument '{name}'")
        kwargs[name] = value
    for name in plan.names:
        if name in kwargs:
            value = kwargs.pop(name)
        else:
            default, factory = plan.defaults[name]
            if default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            else:
                raise TypeError(f"{plan.qualname}.__init__() missing 1 required argument: '{name}'")
        object.__setattr__(self, name, value)
    if kwargs:
        raise TypeError(f"{plan.qualname}.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
    post = getattr(self, "__post_init__", None)
    if post is not None:
        post()


_NAMES: dict[tuple[type, str], tuple[str, ...]] = {}  #: (class, "compare" or "repr") → its fields that are


def _names(cls: type, flag: str) -> tuple[str, ...]:
    names = _NAMES.get((cls, flag))
    if names is None:
        names = _NAMES[cls, flag] = tuple(f.name for f in dataclasses.fields(cls) if getattr(f, flag))
    return names


def _compared(obj: Any) -> tuple:
    return tuple([getattr(obj, n) for n in _names(type(obj), "compare")])


def repr_(self) -> str:
    return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in _names(type(self), 'repr'))})"


def eq(self, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared(self) == _compared(other)


def hash_(self) -> int:
    return hash(_compared(self))


def _frozen_setattr(self, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self) -> list:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self, state: list) -> None:
    for f, value in zip(dataclasses.fields(self), state):
        object.__setattr__(self, f.name, value)
