"""Spec text formats: JSON, YAML (safe loading only) and TOML → plain data, and sniffing which one a text is."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from ..errors import SpecError


#: bytes of one input text: a spec, model code or print(model) file, stdin (a 100,000-layer JSON spec is
#: about 5 MB); the file is not read past it
MAX_FILE_BYTES = 32 * 1024 * 1024
#: lists and mappings inside one another in a spec (100 nested blocks, the builder's limit, take about 300)
MAX_NESTING = 400
#: digits of one integer: Python's own limit on reading one (no size in a network is over 10 digits)
MAX_INT_DIGITS = 4300


def check_size(size: int, origin: str) -> None:
    """Refuse a text of more than MAX_FILE_BYTES bytes (or characters, for text already read)."""
    if size > MAX_FILE_BYTES:
        raise SpecError(f"{origin}: the text is larger than the limit of {MAX_FILE_BYTES // 2 ** 20} MiB "
                        f"({MAX_FILE_BYTES:,} bytes)", hint="split generated networks into blocks with repeat:, "
                                                            "or write JSON without indentation")


def parse_text(text: str, fmt: str, origin: str, *, trusted: bool = False) -> Any:
    """Parse ``text`` as ``json``, ``yaml`` or ``toml`` into plain data, at most MAX_NESTING levels deep.

    ``trusted`` (the catalog's own files) allows libyaml's fast C loader."""
    saved = sys.getrecursionlimit()
    # the parsers recurse about twice per level: room for MAX_NESTING levels and the caller's frames, so that a
    # text just past the limit reaches the check below (which names it) rather than a RecursionError whose depth
    # would depend on the format and the caller; far past it, the RecursionError is reported as the same limit
    sys.setrecursionlimit(max(saved, 3 * MAX_NESTING + 300))
    try:
        data = _parse(text, fmt, origin, trusted)
    finally:
        sys.setrecursionlimit(saved)
    if _deeper_than(data, MAX_NESTING):
        raise _too_deep(origin, fmt)
    return data


def _too_deep(origin: str, fmt: str) -> SpecError:
    return SpecError(f"{origin}: the {fmt.upper()} is nested more than {MAX_NESTING} levels deep (the limit)")


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels (a cycle, a YAML alias inside itself, nests
    without end). Level by level, each container of a level once however many aliases share it: a YAML alias
    bomb (each level four copies of the one before) costs its size, not its expansion."""
    level = [data] if type(data) in (list, dict) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = {id(c): c for v in level for c in (v.values() if type(v) is dict else v) if type(c) in (list, dict)}
        level = list(below.values())
    return False


def _parse(text: str, fmt: str, origin: str, trusted: bool) -> Any:
    try:
        if fmt == "json":
            try:
                return json.loads(text, object_pairs_hook=_unique_keys(origin))
            except json.JSONDecodeError as exc:
                raise SpecError(f"{origin}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
            except ValueError as exc:  # an integer of more than 4,300 digits
                raise SpecError(_too_many_digits(origin, exc)) from None
        if fmt == "toml":
            import tomllib

            try:
                return tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise SpecError(f"{origin}: invalid TOML: {exc}") from None
            except ValueError as exc:  # an integer of more than 4,300 digits
                raise SpecError(_too_many_digits(origin, exc)) from None
        import yaml

        try:
            # The pure-Python safe loader: libyaml's C loader overflows the C stack (a
            # segfault) on deeply nested input, while this one stops at Python's
            # recursion limit with an error we can report.
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if trusted else _strict_yaml_loader()
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise SpecError(f"{origin}: invalid YAML{where}: {problem}") from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise SpecError(_too_many_digits(origin, exc)) from None
    except RecursionError:
        raise _too_deep(origin, fmt) from None


def _too_many_digits(origin: str, exc: Exception) -> str:
    """The message for an integer Python refuses to read: more than MAX_INT_DIGITS digits."""
    found = re.search(r"value has (\d+) digits", str(exc))
    digits = f" ({int(found.group(1)):,} digits)" if found else ""
    return (f"{origin}: an integer{digits} is longer than the limit of {MAX_INT_DIGITS:,} digits "
            f"(no size in a network is larger than 1,000,000,000)")


def _unique_keys(origin: str):
    """json's object_pairs_hook: a key given twice is an error, not 'the last one wins'."""

    def hook(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise SpecError(f"{origin}: the key {key!r} is given twice in one mapping")
            seen[key] = value
        return seen

    return hook


_YAML_LOADER = None


def _strict_yaml_loader():
    """yaml.SafeLoader refusing a key given twice in one mapping (PyYAML keeps the last one)."""
    global _YAML_LOADER
    if _YAML_LOADER is None:
        import yaml

        class StrictSafeLoader(yaml.SafeLoader):
            def construct_mapping(self, node, deep=False):
                keys = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    if isinstance(key, (str, int, float, bool)) and key in keys:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key {key!r} is given twice in one mapping", key_node.start_mark)
                    if isinstance(key, (str, int, float, bool)):
                        keys.add(key)
                return super().construct_mapping(node, deep=deep)

        _YAML_LOADER = StrictSafeLoader
    return _YAML_LOADER


def sniff(text: str) -> str:
    """Guess json / toml / yaml from the content."""
    head = text.lstrip()
    if head.startswith(("{", "[")):
        return "json"
    if re.match(r"^\s*(\[\[?[\w.]+\]\]?\s*$|[\w\"]+\s*=)", text, re.M) and not re.search(r"^\s*\w+\s*:", text, re.M):
        return "toml"
    return "yaml"
