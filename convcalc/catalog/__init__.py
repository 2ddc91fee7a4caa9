"""Built-in models: spec data files shipped inside the package (``<name>.yaml``).

Each also ships compiled to JSON (``compiled/<name>.json``, made by ``tools/compile_catalog.py`` and
checked by the tests to equal the YAML), so that loading a built-in needs neither PyYAML nor its
parsing time: a calculator should start like one.
"""

from __future__ import annotations

import os

from ..errors import SpecError
from ..graph import Network

HERE = os.path.dirname(__file__)


def names() -> list[str]:
    return sorted(f[:-5] for f in os.listdir(HERE) if f.endswith(".yaml"))


def text(name: str) -> str:
    """The spec file of a built-in model, as shipped."""
    if name not in names():
        raise SpecError(f"no built-in model named {name!r}")
    with open(os.path.join(HERE, f"{name}.yaml"), encoding="utf-8") as f:
        return f.read()


def data(name: str):
    """The model's spec as plain data: from its compiled JSON where shipped, else from the YAML."""
    compiled = os.path.join(HERE, "compiled", f"{name}.json")
    if name in names() and os.path.exists(compiled):
        import json

        with open(compiled, encoding="utf-8") as f:
            return json.load(f)
    from ..readers.spec import parse_text

    return parse_text(text(name), "yaml", name, trusted=True)


def load(name: str, input_shape=None, aux: bool = False) -> Network:
    from ..build import from_data

    return from_data(data(name), origin=name, input_shape=input_shape, aux=aux)
