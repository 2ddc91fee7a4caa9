"""Built-in models: spec data files shipped inside the package (``<name>.yaml``)."""

from __future__ import annotations

from importlib import resources

from ..errors import SpecError
from ..graph import Network


def names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".yaml"))


def text(name: str) -> str:
    """The spec file of a built-in model, as shipped."""
    if name not in names():
        raise SpecError(f"no built-in model named {name!r}")
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load(name: str, input_shape=None, aux: bool = False) -> Network:
    from ..build import from_data
    from ..readers.spec import parse_text

    return from_data(parse_text(text(name), "yaml", name, trusted=True), origin=name, input_shape=input_shape,
                     aux=aux)
