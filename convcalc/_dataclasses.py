"""``dataclasses`` imported without :mod:`inspect`, which it imports at the top and, on Python 3.11, uses only to
write a docstring for a dataclass that has none (``inspect.signature``).

``inspect`` brings ast, dis, tokenize and linecache with it: about 5 ms, an eighth of a whole
``convcalc params lenet --json``. While ``dataclasses`` is imported, ``sys.modules`` holds a stand-in for
``inspect``, so the name ``dataclasses.inspect`` is bound to it; any attribute read from the stand-in imports the
real module then and forwards to it, and rebinds the name. Nothing behaves differently, only later or never: a
Python whose ``dataclasses`` reads ``inspect`` for every class (3.12's ``inspect.get_annotations``) imports it at
the first class, as before. Where ``inspect`` or ``dataclasses`` is already imported, nothing is done.
:mod:`convcalc` imports this first; ``tests/test_records.py`` and ``tests/test_fast_path.py`` hold both sides of it.
"""

from __future__ import annotations

import sys
import types


class _Deferred(types.ModuleType):
    """Stands in for :mod:`inspect` in ``dataclasses``' namespace until an attribute is read from it."""

    def __getattr__(self, name: str):
        if sys.modules.get("inspect") is self:
            del sys.modules["inspect"]
        import importlib

        real = importlib.import_module("inspect")
        import dataclasses

        if dataclasses.__dict__.get("inspect") is self:
            dataclasses.inspect = real
        return getattr(real, name)


def load() -> None:
    if "dataclasses" in sys.modules or "inspect" in sys.modules:
        return
    sys.modules["inspect"] = _Deferred("inspect")
    try:
        import dataclasses  # noqa: F401
    finally:
        if isinstance(sys.modules.get("inspect"), _Deferred):
            del sys.modules["inspect"]


load()
