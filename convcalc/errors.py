"""The exception hierarchy.

Every error convcalc raises on purpose is a :class:`ConvcalcError`; ``str(exc)``
is one self-contained line naming the spec element (``layers[3] conv2d: …``).
The CLI maps each class to its exit code; anything else is a bug.
"""

from __future__ import annotations


class ConvcalcError(Exception):
    """Base class: a message, the spec element it concerns, and an optional hint."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint
        self.within: list[str] = []  #: names of the enclosing named blocks, outermost first

    def __str__(self) -> str:
        return f"{short_path(self.path)} {self.message}" if self.path else self.message


def short_path(path: str, keep: int = 4) -> str:
    """A spec path as an error line shows it: one that runs past 12 steps (blocks nested a hundred deep) keeps its
    first and last ``keep`` steps, so the line stays one line a user reads."""
    steps = path.split(".")
    if len(steps) <= 3 * keep:
        return path
    return f"{'.'.join(steps[:keep])}.…(+{len(steps) - 2 * keep})….{'.'.join(steps[-keep:])}"


MAX_MESSAGE = 2000  #: characters of a message line beyond which :func:`one_line` shortens it


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message as a line on stderr shows it: one that quotes something huge the input holds (a key or a layer
    name of 5,000 characters) keeps its beginning, which names the element and the problem, and its end."""
    if len(text) <= limit:
        return text
    head, tail = limit * 2 // 3, limit // 4
    return f"{text[:head]}…({len(text) - head - tail:,} characters left out)…{text[-tail:]}"


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, its middle left out past ``limit`` characters (a key the user wrote, quoted
    back: ``'99999…99999'``). Nothing is said beside it: the message's templates in other languages read the
    quoted value as a name."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 16]}…{text[-12:]}"


class SpecError(ConvcalcError):
    """Unusable input: unreadable or malformed spec, unknown type or key, bad value (exit 2)."""

    exit_code = 2


class NetworkError(ConvcalcError):
    """A well-formed spec describing a network PyTorch would refuse (exit 1)."""

    exit_code = 1


def did_you_mean(word: str, candidates) -> str | None:
    import difflib  # (only where a name is not found: off the start-up path)

    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else None
