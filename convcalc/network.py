"""The network: an input shape and a tree of layers and blocks.

Blocks compose layers:

* ``sequential`` — layers one after another;
* ``concat`` — parallel branches on the same input, joined along ``dim``
  (default 1, the channels, counted with the batch dim as ``torch.cat``);
  every other dim must agree;
* ``auxiliary`` — a side head whose output leaves the network (included with ``--aux``);
* ``add`` — parallel branches summed (a residual connection); every branch
  must yield the same shape. An empty branch is the identity, and a block with
  a single branch gets an identity shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Union

from .layers import Layer, Shape


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    type: str  #: sequential / concat / add, or the name of the named block it was written as
    path: str = ""
    name: str | None = None
    settings: dict = field(default_factory=dict)  #: a named block's arguments (inception: ch1x1, …)

    @property
    def label(self) -> str:
        return f"{self.type} {self.name!r}" if self.name else self.type


@dataclass(frozen=True, slots=True, kw_only=True)
class Sequential(Block):
    TYPES: ClassVar = ("sequential",)
    layers: tuple["Node", ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Concat(Block):
    TYPES: ClassVar = ("concat",)
    branches: tuple[tuple["Node", ...], ...] = ()
    dim: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Add(Block):
    TYPES: ClassVar = ("add",)
    branches: tuple[tuple["Node", ...], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Auxiliary(Block):
    """A side head (GoogLeNet's and Inception v3's auxiliary classifiers): its layers run on the
    current tensor and their output leaves the network; the main path continues with the input
    unchanged. Included only when asked for (``--aux``); its parameters are also totalled apart."""

    TYPES: ClassVar = ("auxiliary",)
    layers: tuple["Node", ...] = ()


Node = Union[Layer, Block]

BLOCKS: dict[str, type[Block]] = {t: cls for cls in (Sequential, Concat, Add, Auxiliary) for t in cls.TYPES}
BLOCK_ALIASES: dict[str, str] = {"cat": "concat", "residual": "add", "seq": "sequential"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """A parsed spec: a name, an input shape (channels first, no batch) and the top-level nodes."""

    name: str | None
    input_shape: Shape | None
    layers: tuple[Node, ...]
    description: str | None = None
    source: str | None = None
    notes: tuple[tuple[str | None, str], ...] = ()  #: (path, warning) from reading it (PyTorch text's guesses)
