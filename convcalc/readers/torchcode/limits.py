"""The interpreter's bounds and its errors.

Every bound is an exit-2 :class:`ReadError` naming the file, line and column where it was
crossed: nothing a model file says can make convcalc run away in time or memory (simpleeval's
approach: explicit limits that raise a named error).
"""

from __future__ import annotations

from ...errors import SpecError

#: Python steps (statements and expressions evaluated, plus one per 16 elements a container operation
#: touches) for reading one model, construction and forward; ResNet-152 or DenseNet-201 take about 15,000
MAX_STEPS = 250_000
#: nested calls of the user's functions and methods
MAX_DEPTH = 80
#: iterations of one loop (or one comprehension)
MAX_ITERATIONS = 100_000
#: elements of one list, tuple, dict, set or string built by the code
MAX_CONTAINER = 100_000
#: bits of an integer (2 ** 4096 is far past any layer size)
MAX_INT_BITS = 4096
#: graph nodes one model may produce
MAX_NODES = 100_000


class ReadError(SpecError):
    """Model code convcalc cannot read: what, and where (``file:line:col``)."""


class LimitError(ReadError):
    """A bound crossed: never caught by the code's own ``try``."""


class PyRaise(Exception):
    """A Python exception the model code raises (``raise ValueError(...)``, a missing key, a failed
    ``assert``): its own ``try``/``except`` may catch it; uncaught, it is a :class:`ReadError`."""

    def __init__(self, type_name: str, message: str, where: str = ""):
        super().__init__(message)
        self.type_name = type_name
        self.message = message
        self.where = where
