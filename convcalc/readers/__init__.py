"""Readers: text in, plain spec data out, built into a :class:`~convcalc.graph.Network` by one builder.

``read_text`` picks the reader — a format named with ``--from``, the file's suffix, or the content:

* :mod:`.spec` — JSON, YAML, TOML;
* :mod:`.inline` — the ``--layers`` grammar;
* :mod:`.torchcode` — PyTorch model code: a bounded interpreter over ``ast`` builds the model and traces its
  forward() into the graph, never executing anything;
* :mod:`.pytorch` — ``print(model)`` text (and :func:`~.pytorch.detect`, which tells code from text).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .. import layers as L
from ..build import from_data
from ..errors import SpecError
from ..graph import Network
from .spec import MAX_FILE_BYTES, check_size, parse_text, sniff

if TYPE_CHECKING:
    from pathlib import Path


def parse_inline(text: str) -> list:
    """The ``--layers`` grammar (:func:`.inline.parse_inline`; imported where used: it reads with :mod:`ast`)."""
    from .inline import parse_inline as parse

    return parse(text)


FORMAT_BY_SUFFIX = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".py": "pytorch-code"}


#: Input formats: ``--from`` names one; otherwise the suffix or the content decides.
FORMATS = ("json", "yaml", "toml", "inline", "pytorch-code", "pytorch-repr")


#: ``--assume KEY=VALUE`` (set by the CLI): constructor arguments print(model) does not show
ASSUME: dict[str, str] = {}


def detect(text: str) -> str:
    """The format of ``text``: PyTorch code or ``print(model)`` text, else JSON / TOML / YAML."""
    from . import pytorch

    return pytorch.detect(text) or sniff(text)


def read_text(text: str, origin: str, *, fmt: str | None = None, input_shape: L.Shape | None = None,
              aux: bool = False) -> Network:
    """Any supported text → Network: ``fmt`` as given, else detected from the content."""
    check_size(len(text), origin)
    detected = fmt is None
    fmt = fmt or detect(text)
    if fmt == "inline":
        return from_data({"layers": parse_inline(text)}, origin=origin, input_shape=input_shape, aux=aux)
    if fmt == "pytorch-repr":  # print(model): counted leaf by leaf, each block's forward from the vocabulary
        from . import torchrepr

        return torchrepr.read_network(text, origin, input_shape=input_shape, aux=aux, assume=ASSUME or None)
    if fmt == "pytorch-code":  # model code: interpreted over ast (never run), forward() traced into the graph
        from . import torchcode

        return torchcode.read_network(text, origin, input_shape=input_shape, aux=aux)
    if fmt in ("pytorch-code", "pytorch-repr"):
        from . import pytorch

        data, notes = pytorch.read(text, fmt, origin)
        if input_shape is not None:  # --input wins over the example tensor the code feeds its model
            notes = [n for n in notes if "taken from the example tensor" not in n[1]]
        network = from_data(data, origin=origin, input_shape=input_shape, aux=aux)
        return dataclasses.replace(network, notes=tuple(notes))
    if not text.strip():
        raise SpecError(f"{origin}: empty", hint="a spec needs 'input' and 'layers'")
    data = parse_text(text, fmt, origin)
    if detected and isinstance(data, str):  # YAML reads "conv2d(6, 5), relu" as one string: inline layers
        return from_data({"layers": parse_inline(text)}, origin=origin, input_shape=input_shape, aux=aux)
    return from_data(data, origin=origin, input_shape=input_shape, aux=aux)


def read_bytes(path: Path) -> bytes:
    """A file's bytes, at most MAX_FILE_BYTES of them (not read past the limit: /dev/zero behind a name ends)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    check_size(len(raw), str(path))
    return raw


def decode(raw: bytes, origin: str) -> str:
    """UTF-8 (a byte-order mark dropped), UTF-16 with its byte-order mark (a Windows terminal's pipe), or a clean
    error."""
    import codecs

    try:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{origin}: not a UTF-8 text (byte {exc.start + 1:,} is {raw[exc.start:exc.start + 1]!r})") \
            from None


def read_file(path: Path, *, input_shape: L.Shape | None = None, aux: bool = False, fmt: str | None = None) -> Network:
    text = decode(read_bytes(path), str(path))
    fmt = fmt or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    return read_text(text, str(path), fmt=fmt, input_shape=input_shape, aux=aux)


def read_stream(stream) -> str:
    """All of a text stream such as ``sys.stdin``, as UTF-8 whatever the terminal's encoding (its bytes are read
    where it has them), at most MAX_FILE_BYTES: a closed, endless or undecodable stdin is a clean error."""
    origin = "<stdin>"
    if stream is None:  # started with stdin closed
        return ""
    buffer = getattr(stream, "buffer", None)
    try:
        raw = (buffer if buffer is not None else stream).read(MAX_FILE_BYTES + 1)
    except UnicodeDecodeError:
        raise SpecError(f"{origin}: not a UTF-8 text") from None
    except (OSError, ValueError) as exc:  # a descriptor closed or not readable
        raise SpecError(f"{origin}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    check_size(len(raw), origin)
    return decode(raw, origin) if isinstance(raw, bytes) else raw


def read_stdin(text: str | bytes, *, input_shape: L.Shape | None = None, aux: bool = False,
               fmt: str | None = None) -> Network:
    """stdin's text (or bytes, decoded as UTF-8: what the terminal's encoding is does not matter)."""
    if isinstance(text, bytes):
        check_size(len(text), "<stdin>")
        text = decode(text, "<stdin>")
    return read_text(text, "<stdin>", fmt=fmt, input_shape=input_shape, aux=aux)
