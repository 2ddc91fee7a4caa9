"""Where a spec element is written: ``layers[5].layers[0]`` → line 23 of the file.

For annotations that point at a line (``--format github``). YAML and JSON are read with PyYAML's
composer, which keeps each node's position (JSON is YAML for this purpose); TOML and PyTorch text
give no lines (None). Paths into a named block's body stop at the usage: the line of
``- {type: bottleneck, …}``.
"""

from __future__ import annotations

import re
from pathlib import Path

_STEP = re.compile(r"\.?([A-Za-z_][\w]*)|\[(\d+)\]")


def steps(path: str) -> list[str | int]:
    """``layers[5].branches[1][0]`` → ``["layers", 5, "branches", 1, 0]``."""
    return [int(i) if i else key for key, i in _STEP.findall(path)]


def line_of(text: str, path: str | None) -> int | None:
    """The 1-based line where ``path`` is written in the YAML/JSON ``text``: the deepest element found."""
    try:
        import yaml

        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except Exception:  # not YAML/JSON (TOML, PyTorch text), or malformed: no line
        return None
    if node is None:
        return None
    if not path:
        return None
    line = node.start_mark.line + 1
    for step in steps(path):
        found = None
        if isinstance(step, str) and isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(step, int) and isinstance(node, yaml.SequenceNode) and step < len(node.value):
            found = node.value[step]
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def file_line(model: str | None, path: str | None) -> tuple[str | None, int | None]:
    """(the file, the line of ``path`` in it) for a model given as a spec file; (None, None) otherwise."""
    if not model or model == "-" or not Path(model).is_file():
        return None, None
    if Path(model).suffix.lower() not in (".yaml", ".yml", ".json"):
        return model, None
    try:
        text = Path(model).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return model, None
    return model, line_of(text, path)
