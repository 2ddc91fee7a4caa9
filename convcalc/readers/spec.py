"""Spec text formats: JSON, YAML (safe loading only) and TOML → plain data, and sniffing which one a text is."""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import SpecError


def parse_text(text: str, fmt: str, origin: str, *, trusted: bool = False) -> Any:
    """Parse ``text`` as ``json``, ``yaml`` or ``toml`` into plain data.

    ``trusted`` (the catalog's own files) allows libyaml's fast C loader."""
    try:
        if fmt == "json":
            try:
                return json.loads(text, object_pairs_hook=_unique_keys(origin))
            except json.JSONDecodeError as exc:
                raise SpecError(f"{origin}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
            except ValueError as exc:  # an integer of more than 4,300 digits
                raise SpecError(f"{origin}: {str(exc).split(';')[0]}") from None
        if fmt == "toml":
            import tomllib

            try:
                return tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise SpecError(f"{origin}: invalid TOML: {exc}") from None
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
    except RecursionError:
        raise SpecError(f"{origin}: the {fmt.upper()} is nested too deeply") from None


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
