"""Judge named models of tests/data/repr_reference.json.xz as tests/test_torchrepr_reference.py does.

    .venv/bin/python tools/judge_repr.py levit_128 pit_b_224      # exact / refused / wrong, and why
    .venv/bin/python tools/judge_repr.py --family levit            # every recorded model of a family
    .venv/bin/python tools/judge_repr.py --text levit_128          # the printed text itself

A model whose constructor arguments print(model) does not show is judged with the values
tests/data/repr_assume.json records (``--assume``), and again without them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_torchrepr_reference import judge, reference, stated  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--family", action="append", default=[])
    parser.add_argument("--text", action="store_true", help="print the recorded text and torch's numbers instead")
    args = parser.parse_args()
    models = [m for m in reference()["models"] if m["name"] in args.names or m["family"] in args.family]
    missing = set(args.names) - {m["name"] for m in models}
    if missing:
        parser.error(f"not recorded: {', '.join(sorted(missing))}")
    for m in models:
        if args.text:
            print(m["text"])
            print({k: m.get(k) for k in ("source", "family", "input", "params", "buffers", "output", "macs")})
            continue
        given = stated().get(m["name"])
        status, detail = judge(m, given)
        print(f"{status:8} {m['source']}:{m['name']:40} {detail[:400]}")
        if given is not None:
            plain, why = judge(m)
            print(f"{'':8} {'without --assume ' + str(given):48} {plain}: {why[:300]}")


if __name__ == "__main__":
    main()
