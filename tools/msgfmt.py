"""Compile convcalc's gettext catalogs: ``python tools/msgfmt.py`` turns every
``convcalc/locale/*/LC_MESSAGES/convcalc.po`` into the ``.mo`` beside it.

Pure Python (no GNU gettext needed), deterministic (entries sorted, no hash table), and the
same parser the tests use to check that the shipped ``.mo`` files are current.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr of a .po file (the header entry under ""; fuzzy entries left out)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    key = None
    fuzzy = False

    def flush():
        nonlocal msgid, msgstr, fuzzy
        if msgid is not None and msgstr is not None and not fuzzy:
            if msgid in entries:
                raise ValueError(f"msgid {msgid!r} appears twice")
            entries[msgid] = msgstr
        msgid = msgstr = None
        fuzzy = False

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                if msgstr is not None:
                    flush()
                fuzzy = True
            continue
        if line.startswith("msgid "):
            if msgstr is not None:
                flush()
            key, msgid = "msgid", _string(line[6:], number)
        elif line.startswith("msgstr "):
            key, msgstr = "msgstr", _string(line[7:], number)
        elif line.startswith('"'):
            if key == "msgid":
                msgid += _string(line, number)
            elif key == "msgstr":
                msgstr += _string(line, number)
            else:
                raise ValueError(f"line {number}: a string outside an entry")
        else:
            raise ValueError(f"line {number}: cannot read {line!r}")
    flush()
    return entries


def _string(token: str, number: int) -> str:
    token = token.strip()
    if not (token.startswith('"') and token.endswith('"')):
        raise ValueError(f"line {number}: expected a quoted string, got {token!r}")
    return ast.literal_eval(token)


def build_mo(entries: dict[str, str]) -> bytes:
    """The GNU .mo bytes for ``entries`` (little-endian, no hash table)."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    n = len(keys)
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + n * 8
    data = strs_table + n * 8
    offsets_ids, offsets_strs, blob = [], [], b""
    for s in ids:
        offsets_ids.append((len(s), data + len(blob)))
        blob += s + b"\0"
    for s in strs:
        offsets_strs.append((len(s), data + len(blob)))
        blob += s + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, ids_table, strs_table, 0, 0)
    for length, offset in offsets_ids + offsets_strs:
        out += struct.pack("<2I", length, offset)
    return out + blob


def catalogs() -> list[Path]:
    return sorted((ROOT / "convcalc" / "locale").glob("*/LC_MESSAGES/convcalc.po"))


def main() -> int:
    for po in catalogs():
        mo = po.with_suffix(".mo")
        mo.write_bytes(build_mo(parse_po(po.read_text(encoding="utf-8"))))
        sys.stdout.write(f"{mo.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
