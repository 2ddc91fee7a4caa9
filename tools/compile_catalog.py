"""Compile the catalog's YAML specs to JSON (convcalc/catalog/compiled/<name>.json), which is what
`convcalc.catalog.load` reads: no PyYAML at start-up. Run after editing a catalog file; the tests
fail while a compiled file differs from its YAML.

    python tools/compile_catalog.py
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from convcalc import catalog  # noqa: E402
from convcalc.readers.spec import parse_text  # noqa: E402

out = os.path.join(catalog.HERE, "compiled")
os.makedirs(out, exist_ok=True)
for name in catalog.names():
    data = parse_text(catalog.text(name), "yaml", name, trusted=True)
    with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
for stale in set(os.listdir(out)) - {f"{n}.json" for n in catalog.names()}:
    os.remove(os.path.join(out, stale))
print(f"compiled {len(catalog.names())} models into {out}")
