"""typer as :mod:`convcalc.cli` uses it, declared at import and imported only when needed.

Importing typer and click and building the app from its ~200 declared options takes longer than a
whole ``convcalc params lenet --json`` does without them. :mod:`convcalc.cli` is written against
typer as usual (``import convcalc.lazytyper as typer``): ``typer.Typer()``, ``@app.command()``,
``typer.Option()`` and ``typer.Argument()`` are recorded here, and everything else (``typer.Exit``,
``typer.Context``, …) is typer's own, imported on first use. The real app is built from the
records when it is first needed: :func:`Typer.__call__`, or any other attribute of the app
(``typer.testing.CliRunner`` reads them).

:func:`parse` reads a command line against the same records, for the commands the CLI runs without
typer (see ``convcalc.cli.run``): whatever it does not read exactly as click would — an unknown or
abbreviated option, a value that click would check or convert differently, ``--help`` — it declines,
and typer reads the line instead.
"""

from __future__ import annotations

import enum
import os
import stat
import typing
from typing import Any

_typer = None  #: the real typer, once imported


def _real():
    """typer itself (imported now, if it was not)."""
    global _typer
    if _typer is None:
        import typer

        _typer = typer
    return _typer


def __getattr__(name: str) -> Any:  # typer.Exit, typer.Context, typer.BadParameter, typer.main, …
    return getattr(_real(), name)


class FilePath:
    """``pathlib.Path`` in a declaration (``Annotated[Optional[typer.FilePath], typer.Option(...)]``): pathlib is
    imported only where a value is read (:meth:`_Param.convert`) or the real app is built (:func:`_make_real`
    writes ``pathlib.Path`` in its place), not at start-up. A command receives a ``pathlib.Path`` either way."""

    def __init__(self) -> None:  # pragma: no cover - a name in annotations only
        raise TypeError("typer.FilePath stands for pathlib.Path in declarations")


def _is_path(kind: Any) -> bool:
    return kind is FilePath or (isinstance(kind, type) and kind.__module__ == "pathlib" and kind.__name__ == "Path")


def _with_path(hint: Any) -> Any:
    """``hint`` with :class:`FilePath` replaced by ``pathlib.Path`` (``Optional[FilePath]`` → ``Optional[Path]``)."""
    if hint is FilePath:
        from pathlib import Path

        return Path
    args = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Union and FilePath in args:
        return typing.Union[tuple(_with_path(a) for a in args)]
    return hint


class Declared:
    """``typer.Option(...)`` or ``typer.Argument(...)`` as written, before typer is imported."""

    __slots__ = ("args", "kind", "kwargs")

    def __init__(self, kind: str, args: tuple, kwargs: dict[str, Any]):
        self.kind, self.args, self.kwargs = kind, args, kwargs

    def real(self):
        return getattr(_real(), self.kind)(*self.args, **self.kwargs)


def Option(*args: Any, **kwargs: Any) -> Any:
    return Declared("Option", args, kwargs) if _typer is None else _typer.Option(*args, **kwargs)


def Argument(*args: Any, **kwargs: Any) -> Any:
    return Declared("Argument", args, kwargs) if _typer is None else _typer.Argument(*args, **kwargs)


class Typer:
    """A ``typer.Typer`` in waiting: records the app's settings, commands and callback, and builds the real
    app from them when first asked for anything else."""

    def __init__(self, **settings: Any):
        self._settings = settings
        self._commands: list[tuple[tuple, dict, Any]] = []  #: (args, kwargs, function) of each @app.command
        self._callbacks: list[tuple[tuple, dict, Any]] = []
        self._app = None

    def command(self, *args: Any, **kwargs: Any):
        def record(func):
            self._commands.append((args, kwargs, func))
            return func

        return record

    def callback(self, *args: Any, **kwargs: Any):
        def record(func):
            self._callbacks.append((args, kwargs, func))
            return func

        return record

    def function(self, name: str):
        """The function registered as command ``name`` (None when there is none)."""
        return next((func for args, kwargs, func in self._commands
                     if (args[0] if args else kwargs.get("name", func.__name__)) == name), None)

    def real(self):
        """The typer app itself, built now if it was not."""
        if self._app is None:
            typer = _real()
            for _, _, func in self._commands + self._callbacks:  # the declared aliases (Model, Fmt, …) made real
                _make_real(func.__globals__)
            app = typer.Typer(**self._settings)
            for args, kwargs, func in self._commands:
                app.command(*args, **kwargs)(func)
            for args, kwargs, func in self._callbacks:
                app.callback(*args, **kwargs)(func)
            self._app = app
        return self._app

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.real()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # registered_commands, info, _add_completion, …
        if name.startswith("__") or name in ("_settings", "_commands", "_callbacks", "_app"):
            raise AttributeError(name)
        return getattr(self.real(), name)


def _make_real(namespace: dict[str, Any]) -> None:
    """Replace each ``Annotated[T, typer.Option(...)]`` made before typer was imported by the real one, and
    :class:`FilePath` in ``T`` by ``pathlib.Path``."""
    for name, value in list(namespace.items()):
        metadata = getattr(value, "__metadata__", None)
        if not metadata or typing.get_origin(value) is not typing.Annotated:
            continue
        base = _with_path(value.__origin__)
        if base is not value.__origin__ or any(isinstance(m, Declared) for m in metadata):
            real = tuple(m.real() if isinstance(m, Declared) else m for m in metadata)
            namespace[name] = typing.Annotated[(base, *real)]


# ----------------------------------------------------------------------------
# Reading a command line against the declarations, as click would
# ----------------------------------------------------------------------------
class Decline(Exception):
    """The command line is not one :func:`parse` reads exactly as click would: typer reads it (and says what is
    wrong with it, where something is)."""


class _Param:
    """One parameter of a command as declared: its option strings, how its value is read, its default."""

    def __init__(self, name: str, hint: Any, default: Any):
        base, declared = hint, None
        if typing.get_origin(hint) is typing.Annotated:
            base, declared = hint.__origin__, next((m for m in hint.__metadata__ if isinstance(m, Declared)), None)
        if declared is None:
            raise Decline  # typer would make up its option names
        args = typing.get_args(base)
        if typing.get_origin(base) is typing.Union and type(None) in args:  # Optional[T]
            base = next(a for a in args if a is not type(None))
        self.name, self.default, self.kwargs = name, default, declared.kwargs
        self.positional = declared.kind == "Argument"
        self.names = tuple(a for a in declared.args if isinstance(a, str))
        self.multiple = typing.get_origin(base) is list
        self.type = typing.get_args(base)[0] if self.multiple else base
        self.flag = self.type is bool
        if any("/" in n for n in self.names) or (not self.positional and not self.names):
            raise Decline  # --x/--no-x, or names typer makes up

    def convert(self, text: str) -> Any:
        """``text`` as click converts and checks it (Decline where click would refuse it, or might read it
        otherwise: ``+3``, ``3_000``, full-width digits)."""
        kind = self.type
        if kind is str:
            return text
        if kind is int:
            if not (text.isascii() and text.isdigit()):
                raise Decline  # click's int() also reads +3, 3_000, ３
            value = int(text)
            low, high = self.kwargs.get("min"), self.kwargs.get("max")
            if (low is not None and value < low) or (high is not None and value > high):
                raise Decline  # click says so
            return value
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            for member in kind:
                if member.value == text:
                    return member
            raise Decline  # click says which it takes
        if _is_path(kind):  # click.Path(exists=False, dir_okay=…, readable=True) as typer declares it
            from pathlib import Path

            try:
                mode = os.stat(text).st_mode
            except (OSError, ValueError):
                return Path(text)
            if stat.S_ISDIR(mode) or not os.access(text, os.R_OK):
                raise Decline  # click refuses a directory (dir_okay=False) or a file it cannot read
            return Path(text)
        raise Decline  # a type this reader does not know


_REQUIRED = object()  #: the default of a parameter that has none


def _parameters(func) -> list[tuple[str, Any]]:
    """``func``'s parameters and their defaults (:data:`_REQUIRED` where none), in order, as
    ``inspect.signature`` gives them for a plain function, read off its code without importing :mod:`inspect`
    (ast, dis, tokenize: a tenth of a whole ``convcalc params lenet --json``). Anything else is declined."""
    while hasattr(func, "__wrapped__") and not hasattr(func, "__signature__"):  # functools.wraps, as inspect follows
        func = func.__wrapped__
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__signature__") or code.co_flags & 0x0C:  # *args, **kwargs
        raise Decline
    positional, names = code.co_argcount, code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    given = func.__defaults__ or ()
    defaults = dict(zip(names[positional - len(given):positional], given))
    defaults.update(func.__kwdefaults__ or {})
    return [(name, defaults.get(name, _REQUIRED)) for name in names]


def parse(func, argv: list[str]) -> tuple[dict[str, Any], set[str]]:
    """The keyword arguments click would call command ``func`` with for ``argv`` (the words after the
    command's name), and the names of the parameters given; :class:`Decline` where that is not certain.

    Options whose declaration has a callback are declined when given; left out, their callbacks would
    set what a new process starts with (the caller makes sure it is one)."""
    hints = typing.get_type_hints(func, include_extras=True)
    params = [_Param(name, hints.get(name), default) for name, default in _parameters(func)]
    by_option = {n: p for p in params if not p.positional for n in p.names}
    positional = [p for p in params if p.positional]
    variadic = len(positional) == 1 and positional[0].multiple  # check's models: every positional word
    if (any(p.flag for p in positional) or (any(p.multiple for p in positional) and not variadic)
            or any(set(p.kwargs) - _HARMLESS for p in params)):
        raise Decline  # a variadic argument among others, or a declaration that changes how click reads the line
    values: dict[str, Any] = {}
    given: set[str] = set()
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "-" or not word.startswith("-"):
            if not positional:
                raise Decline  # an extra argument: click says so
            param = positional[0] if variadic else positional.pop(0)
            if variadic:
                values.setdefault(param.name, []).append(param.convert(word))
            else:
                values[param.name] = param.convert(word)
            given.add(param.name)
            continue
        name, eq, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        param = by_option.get(name)
        if param is None or (not word.startswith("--") and len(word) != 2):
            raise Decline  # unknown, --help, -fjson, -qw, --, …
        if "callback" in param.kwargs or param.kwargs.get("is_eager"):
            raise Decline  # --lang, --assume: their callbacks run under click
        if param.flag:
            if eq:
                raise Decline  # --json=1: click says a flag takes no value
            value = True
        elif eq:
            value = param.convert(attached)
        elif words and not (words[0].startswith("-") and words[0] != "-"):
            value = param.convert(words.pop(0))
        else:
            raise Decline  # no value, or one that starts with a dash
        if param.multiple:
            values.setdefault(param.name, []).append(value)
        else:
            values[param.name] = value
        given.add(param.name)
    if any(p.name not in given and p.default is _REQUIRED for p in params):
        raise Decline  # a required parameter left out: click says so
    if variadic and positional[0].name not in given:
        raise Decline  # click gives an empty variadic argument as typer converts it: left to them
    return values, given


#: what a declaration may say without changing how a command line is read (min, max and dir_okay are checked
#: by :meth:`_Param.convert`; callbacks are declined when their option is given)
_HARMLESS = {"help", "show_default", "hidden", "metavar", "rich_help_panel", "min", "max", "dir_okay", "callback",
             "is_eager", "autocompletion", "shell_complete", "show_choices"}

