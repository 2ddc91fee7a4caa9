"""Every message the engine can print has a Chinese template: under ``--lang zh`` no English sentence is left.

Two checks, each failing with the messages it finds in English:

* statically, every message the source composes — what is raised (``SpecError``, ``NetworkError``, the readers'
  errors, ``layer.fail(…)``), every ``hint=``, every warning (``Note``, ``Diagnostic``), every reader note and
  every ``Unknown(reason)`` the model-code reader carries into its errors — is rebuilt from its f-string (each
  branch of an ``a if c else b`` and of an ``or``, each value a local name is given), its fields filled with
  sample values, and passed through :func:`convcalc.i18n.translate`: the result may keep identifiers (layer
  names, types, numbers, shapes, ``--options``, quoted text) but no two English words in a row;
* by running the CLI under ``--lang zh`` on every built-in model, the refused networks and hostile inputs of
  the other tests, and the corpus of model files: what it writes to stderr (and the Markdown table) is Chinese.

A message whose wording changes no longer matches its template: both checks then name it. Run this file as a
script (``python tests/test_i18n_coverage.py``) to list the messages without a Chinese template.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "convcalc"
sys.path.insert(0, str(ROOT / "tools"))
import msgfmt  # noqa: E402

PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "convcalc.po"

# -- what counts as English left in a Chinese message -------------------------------------------------------

_QUOTED = re.compile(r"`[^`]*`|(?<![A-Za-z])'[^'\n]*'(?![A-Za-z])|\"[^\"\n]*\"|“[^”]*”|‘[^’]*’")
_CODE = re.compile(r"\[[a-z][a-z0-9-]*\]")
_PUNCTUATION = re.compile(r"[,;:()，；：（）。、？！—]")
#: an identifier, not a word: digits, _ . = [ ] { } / # < > * @ \\ | + inside, an --option, CamelCase or CAPS
_IDENTIFIER = re.compile(r"\S*[\d_.=\[\]{}/#<>*@\\|+]\S*|-\S+|\S+-\S*|[A-Za-z]*[A-Z][A-Za-z]*")
_PHRASE = re.compile(r"(?<![\w|-])[a-z]{2,} [a-z]{2,}(?![\w|-])")


def _words(text: str) -> str:
    text = _PUNCTUATION.sub(" | ", _CODE.sub(" ", _QUOTED.sub(" | ", re.sub(r"\s{2,}", " | ", text))))
    return " ".join("|" if _IDENTIFIER.fullmatch(w) else w for w in text.split())


def english_left(text: str, *, sentence: bool = True) -> list[str]:
    """The English phrases in ``text`` once quoted text, codes and identifiers are set aside: two or more
    lower-case words in a row (``flatten`` or ``relu`` alone is an identifier, ``is not`` is English; two
    spaces or more part a table's cells) — or, in a ``sentence`` with no Chinese at all, any word."""
    words = _words(text)
    found = _PHRASE.findall(words)
    if not found and sentence and not _CJK.search(text):
        found = re.findall(r"(?<![\w|-])[a-z]{3,}(?![\w|-])", words)
    return found


_CJK = re.compile(r"[\u4e00-\u9fff]")


# -- the messages the source composes ---------------------------------------------------------------------

#: calls whose string arguments are messages a user reads (errors, hints, warnings, notes, unknown values); the
#: exception classes the package defines are added to these, and so is any function that passes one of its
#: parameters on into a message (``layer.fail(message, hint)``, ``interp.raise_py(kind, message, node)``)
SINKS = {"ConvcalcError", "SpecError", "NetworkError", "Note", "Diagnostic", "Unknown", "UnknownCall", "Opaque",
         "_error"}
#: keyword arguments (and keys of dict literals) that are messages whatever the call
MESSAGE_KEYWORDS = {"hint", "message", "reason", "note", "why"}
#: arguments of a sink that are not messages
NOT_MESSAGES = {"path", "cls", "code", "severity", "counts", "node", "where", "origin", "type_name", "file"}
#: calls whose message= is no message of convcalc's (a warning of a library it silences)
NOT_SINKS = {"filterwarnings", "simplefilter"}
#: functions whose result is a piece of a message (``a tensor``, ``the function f``)
TEXT_FUNCTIONS = {"describe", "did_you_mean"}
#: the modules whose messages are written for translation already (every word through _(), which
#: test_learner_i18n checks), and the translation itself
SKIP = {"i18n.py", "explain.py", "numeric.py", "solve.py", "__main__.py"}
#: which ast nodes make a string
_PARTS = (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp, ast.BoolOp, ast.Name, ast.Call, ast.Attribute)

MAX_VARIANTS = 48


@dataclass(frozen=True)
class Hole:
    sample: str
    source: str = ""  #: the expression it stands for


@dataclass(frozen=True)
class Site:
    module: str
    line: int
    variants: tuple[tuple[str | Hole, ...], ...]


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _sample(node: ast.AST, conversion: int = -1, spec: str = "") -> Hole:
    """What a field of an f-string holds, as an example: a shape, a count, a name — or, where it is words
    (a value's description), words, so that the template must translate them in turn."""
    return Hole(_example(node, conversion, spec), ast.unparse(node))


def _example(node: ast.AST, conversion: int, spec: str) -> str:
    if conversion == ord("r"):
        return "'v1'"
    if "," in spec:
        return "1,234"
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in ("dims", "_shape", "shape_text"):
            return "2x3"
        if name in ("len", "sum", "int", "_prod", "prod", "max", "min", "abs"):
            return "3"
        if name in ("list", "tuple", "sorted"):
            return "[1, 2]"
        if name == "join":
            sep = node.func.value.value if isinstance(node.func, ast.Attribute) and isinstance(
                node.func.value, ast.Constant) else ", "
            return "2x3" if sep == "x" else "x1" + sep + "x2"
        if name == "describe":
            return "a tensor"
    return "7"


class _Module:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parent: dict[int, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
        self.nodes = list(ast.walk(self.tree))
        self.call_nodes = [n for n in self.nodes if isinstance(n, ast.Call)]
        self.functions = {n.name: n for n in self.nodes if isinstance(n, ast.FunctionDef)}
        self._assignments: dict[int, dict[str, list[ast.AST]]] = {}
        self.constants = {t.id: n.value for n in self.tree.body if isinstance(n, ast.Assign)
                          for t in n.targets if isinstance(t, ast.Name)}

    def scope(self, node: ast.AST) -> ast.AST:
        while id(node) in self.parent:
            node = self.parent[id(node)]
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                return node
        return self.tree

    def assigned(self, name: str, where: ast.AST) -> list[ast.AST]:
        """The values ``name`` is given in ``where``'s function (or at module level); ``name += …`` counts as
        a value of its own (the pieces of a message joined by ``; ``)."""
        scope = self.scope(where)
        if id(scope) not in self._assignments:
            table: dict[str, list[ast.AST]] = {}
            for n in ast.walk(scope):
                if isinstance(n, ast.Assign):
                    for t in n.targets:
                        if isinstance(t, ast.Name):
                            table.setdefault(t.id, []).append(n.value)
                elif isinstance(n, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and isinstance(n.target, ast.Name) \
                        and n.value:
                    table.setdefault(n.target.id, []).append(n.value)
            self._assignments[id(scope)] = table
        found = list(self._assignments[id(scope)].get(name, ()))
        if not found and name in self.constants:
            found.append(self.constants[name])
        return found

    def variants(self, node: ast.AST, depth: int = 0) -> list[tuple[str | Hole, ...]]:
        """Every text ``node`` can make, its unknown parts as holes ([]: no text)."""
        if depth > 6:
            return [(_sample(node),)]
        if isinstance(node, ast.Constant):
            return [(node.value,)] if isinstance(node.value, str) else [] if node.value is None else [(Hole("7"),)]
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append([(v.value,)])
                    continue
                spec = "".join(c.value for c in v.format_spec.values if isinstance(c, ast.Constant)) \
                    if v.format_spec else ""
                inner = self.variants(v.value, depth + 1) if isinstance(v.value, (ast.IfExp, ast.Name)) \
                    and v.conversion == -1 and not spec else []
                words = inner and all(any(isinstance(p, str) for p in x) or not x for x in inner)
                parts.append(inner if words else [(_sample(v.value, v.conversion, spec),)])
            return self._product(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.variants(node.left, depth + 1), self.variants(node.right, depth + 1)
            if not left or not right:
                return left or right
            return self._product([left, right])
        if isinstance(node, ast.IfExp):
            return (self.variants(node.body, depth + 1) + self.variants(node.orelse, depth + 1))[:MAX_VARIANTS]
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return [v for value in node.values for v in self.variants(value, depth + 1)][:MAX_VARIANTS]
        if isinstance(node, ast.Name):
            values = [v for v in self.assigned(node.id, node)
                      if isinstance(v, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp, ast.BoolOp))
                      or isinstance(v, ast.Call) and _name(v.func) == "did_you_mean"]
            found = [v for value in values for v in self.variants(value, depth + 1)]
            return found[:MAX_VARIANTS] or [(_sample(node),)]
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in ("_", "label"):
                return [(Hole("译"),)]
            if name == "did_you_mean":
                return [("did you mean 'v1'?",)]
            if isinstance(node.func, ast.Name) and name in self.functions and depth < 3:  # a helper that returns text
                returns = [r.value for r in ast.walk(self.functions[name]) if isinstance(r, ast.Return) and r.value]
                found = [v for r in returns for v in self.variants(r, depth + 2)
                         if isinstance(r, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp))]
                if found:
                    return found[:MAX_VARIANTS]
        return [(_sample(node),)]

    @staticmethod
    def _product(parts: list[list[tuple]]) -> list[tuple]:
        out = []
        for combo in itertools.product(*parts):
            out.append(tuple(p for piece in combo for p in piece))
            if len(out) >= MAX_VARIANTS:
                break
        return out

    def calls(self, sinks: dict[str, set]) -> list[tuple[ast.Call, ast.AST]]:
        """(call, argument) for every argument of a call to a sink that is a message."""
        found = []
        for node in self.call_nodes:
            name = _name(node.func)
            if name in sinks:
                wanted = sinks[name]
                method = isinstance(node.func, ast.Attribute)
                for i, a in enumerate(node.args):
                    if isinstance(a, ast.Starred):
                        break
                    if wanted is ALL or i + method in wanted or i in wanted:
                        found.append((node, a))
                found += [(node, k.value) for k in node.keywords if k.arg and k.arg not in NOT_MESSAGES
                          and (wanted is ALL or k.arg in wanted)]
            elif name not in NOT_SINKS:
                found += [(node, k.value) for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
        return found

    def messages(self, sinks: dict[str, set]) -> list[tuple[int, ast.AST]]:
        """(line, expression) of every message in the module."""
        found = [(a.lineno, a) for _, a in self.calls(sinks) if isinstance(a, _PARTS)]
        for node in self.nodes:
            if isinstance(node, ast.Call):
                f = node.func
                if _name(f) in ("append", "extend") and isinstance(f, ast.Attribute) and _named_notes(f.value):
                    for a in node.args:  # notes.append((path, message)) or notes.append(message)
                        items = a.elts[1:] if isinstance(a, ast.Tuple) else [a]
                        found += [(i.lineno, i) for i in items if isinstance(i, _PARTS)]
            elif isinstance(node, ast.AugAssign) and _named_notes(node.target):
                value = node.value
                if isinstance(value, ast.ListComp):
                    found.append((value.elt.lineno, value.elt))
                elif isinstance(value, ast.List):
                    found += [(e.lineno, e) for e in value.elts]
            elif isinstance(node, ast.Dict):
                found += [(v.lineno, v) for k, v in zip(node.keys, node.values)
                          if isinstance(k, ast.Constant) and k.value in MESSAGE_KEYWORDS and isinstance(v, _PARTS)]
            elif isinstance(node, ast.FunctionDef) and node.name in TEXT_FUNCTIONS:
                found += [(r.value.lineno, r.value) for r in ast.walk(node) if isinstance(r, ast.Return) and r.value]
        return found

    def passes_on(self, sinks: dict[str, set]) -> dict[str, set]:
        """Functions that put one of their parameters into a message: name → the parameters' positions and
        names (``fail(self, node, message, hint)`` → {1, 2, "message", "hint"}, self counted)."""
        out: dict[str, set] = {}
        for call, arg in self.calls(sinks):
            function = self.scope(call)
            if not isinstance(function, ast.FunctionDef):
                continue
            params = [a.arg for a in function.args.posonlyargs + function.args.args]
            keywords = [a.arg for a in function.args.kwonlyargs]
            for n in _text_names(arg):
                if n.id in params + keywords and n.id not in ("self", "node"):
                    spot = out.setdefault(function.name, set())
                    spot.add(n.id)
                    if n.id in params:
                        spot.add(params.index(n.id))
        return out


ALL: set = set()  #: every argument of the call


def _text_names(node: ast.AST) -> list[ast.Name]:
    """The names whose text becomes part of ``node``'s: ``message``, ``f"{what}: …"``, ``a + note``, not
    ``f"{dims(x)}"`` nor ``f"{name!r}"``."""
    if isinstance(node, ast.Name):
        return [node]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)
                and v.conversion == -1 and not v.format_spec]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text_names(node.left) + _text_names(node.right)
    if isinstance(node, ast.IfExp):
        return _text_names(node.body) + _text_names(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [n for v in node.values for n in _text_names(v)]
    return []


def _named_notes(node: ast.AST) -> bool:
    return _name(node).endswith("notes")


def engine_modules() -> list[_Module]:
    return [_Module(p) for p in sorted(PACKAGE.rglob("*.py")) if p.name not in SKIP or p.parent != PACKAGE]


def _sinks(modules: list[_Module]) -> dict[str, set]:
    """The sinks: the exception classes of the package (all their arguments), and to a fixed point the
    functions that pass a parameter on into a message."""
    sinks: dict[str, set] = {name: ALL for name in SINKS}
    classes = {(c.name, tuple(_name(b) for b in c.bases)) for m in modules for c in m.nodes
               if isinstance(c, ast.ClassDef)}
    changed = True
    while changed:
        changed = False
        for name, bases in classes:
            if name not in sinks and any(b in sinks or b == "Exception" for b in bases):
                sinks[name] = ALL
                changed = True
        for m in modules:
            for name, spots in m.passes_on(sinks).items():
                if name in sinks and (sinks[name] is ALL or spots <= sinks[name]):
                    continue
                sinks[name] = sinks.get(name, set()) | spots
                changed = True
    return sinks


#: modules whose ValueError messages reach the user, after what they concern (``out_channels must be …``)
VALUE_ERRORS = {"convcalc/values.py": (Hole("x1", "argname"), " ")}


def engine_messages() -> list[Site]:
    """Every message the engine composes, as the texts it can be (fields as holes)."""
    modules = engine_modules()
    sinks = _sinks(modules)
    sites = []
    for module in modules:
        name = str(module.path.relative_to(ROOT))
        before = VALUE_ERRORS.get(name, ())
        for line, node in module.messages({**sinks, "ValueError": ALL} if before else sinks):
            variants = [before + v for v in module.variants(node) if _is_message(v)]
            if variants:
                sites.append(Site(name, line, tuple(dict.fromkeys(variants))))
    return sites


def _is_message(variant) -> bool:
    """Words, not an identifier: ``missing 'layers'``, ``a dim``, ``--layer needs --input``, not ``flatten`` or
    ``channels`` (what a message names)."""
    literal = "".join(p if isinstance(p, str) else " " for p in variant)
    if "\n" in literal:  # code convcalc writes, not a message (a message is one line)
        return False
    tokens = _PUNCTUATION.sub(" ", literal).split()
    words = [t for t in tokens if re.fullmatch(r"[a-z]+(?:'s)?", t)]
    return len(words) >= 2 or len(words) == 1 and len(tokens) >= 2


def text(variant, *, skeleton: bool = False) -> str:
    return "".join(p if isinstance(p, str) else "{}" if skeleton else p.sample for p in variant)


def untranslated(sites: list[Site]) -> list[tuple[Site, str, str]]:
    """(site, English skeleton, what --lang zh makes of it) where English is left."""
    from convcalc import i18n

    i18n.set_language("zh")
    try:
        out = []
        for site in sites:
            for v in site.variants:
                english = text(v)
                chinese = i18n.translate(english)
                if english_left(chinese):
                    out.append((site, text(v, skeleton=True), chinese))
        return out
    finally:
        i18n.set_language(None)


# -- the static check --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sites() -> list[Site]:
    return engine_messages()


def test_the_extraction_finds_the_messages(sites):
    """The extraction sees what it should: each kind of message, in each part of the engine."""
    found = {text(v) for s in sites for v in s.variants}
    for english in ("groups=7 does not divide 7=7",  # layer.fail
                    "set in_features=7",  # a hint
                    "input 2x3 is not flat: linear applies to the last dim (7) only",  # a Note
                    "7: its result (7) is read by nothing and is not an output",  # a Diagnostic
                    "a loop of more than 1,234 iterations",  # the model-code reader's bounds
                    "the rank of a tensor (pass --input)"):  # an Unknown's reason
        assert english in found, english
    modules = {s.module for s in sites}
    assert {"convcalc/layers.py", "convcalc/build.py", "convcalc/report.py", "convcalc/readers/torchrepr.py",
            "convcalc/readers/torchcode/interpreter.py", "convcalc/readers/torchroute/source.py",
            "convcalc/readers/torchrepr_forwards.py"} <= modules
    assert len(sites) > 500


def test_every_engine_message_has_a_chinese_template(sites):
    missing = untranslated(sites)
    assert not missing, f"{len(missing)} messages stay English under --lang zh (add them to {PO.name}):\n" + \
        "\n".join(f"{s.module}:{s.line}: {skeleton}\n    → {chinese}" for s, skeleton, chinese in missing[:40])


def test_every_warning_and_check_code_is_described_in_chinese():
    from convcalc import codes

    catalog = msgfmt.parse_po(PO.read_text(encoding="utf-8"))
    missing = [code for code, what in {**codes.WARNINGS, **codes.CHECKS}.items() if not catalog.get(what)]
    assert not missing, f"codes whose description has no Chinese: {missing}"


def _assumed_example() -> str:
    """print(model) of a small timm FasterNet built without layer scale (tests/data/timm_blocks.json.xz): read as
    timm's default builds it, with the assumption said."""
    import json
    import lzma

    with lzma.open(ROOT / "tests" / "data" / "timm_blocks.json.xz", "rt", encoding="utf-8") as f:
        return next(c["text"] for c in json.load(f)["cases"] if c["class"] == "FasterNet" and c.get("assume"))


#: code → a command line that produces it (stdin after the arguments, if any)
CODE_EXAMPLES: dict[str, tuple[list[str], str | None]] = {
    "inexact-division": (["shape", "--layers", "conv2d(4, 5, stride=2)", "--input", "1x28x28"], None),
    "padding-only-division": (["shape", "resnet18"], None),
    "not-flat": (["shape", "--layers", "linear(10)", "--input", "5x5"], None),
    "unused-argument": (["shape", "--layers", "batchnorm2d(num_features=8, affine=False, track_running_stats=False)",
                         "--input", "4x8x8"], None),
    "receptive-field": (["rf", "--layers", "adaptiveavgpool2d(3)", "--input", "1x8x8"], None),
    "unused-input": (["shape", "-"], "inputs: {a: 1x8x8, b: 1x8x8}\nlayers: [relu]\n"),
    "unused-node": (["shape", "-"], "input: 1x8x8\nlayers: [{type: relu, name: a}, {type: sigmoid, from: input}]\n"),
    "reader": (["params", str(ROOT / "tests" / "data" / "torch_models" / "lenet_tutorial.py")], None),
    "input-read": (["shape", "lenet", "--input", "28x28"], None),
    "assumed": (["params", "-", "--input", "3x64x64"], _assumed_example()),
    "max-params": (["check", "lenet", "--max-params", "1K"], None),
    "max-macs": (["check", "lenet", "--max-macs", "10", "--batch", "2"], None),
    "max-memory": (["check", "lenet", "--max-memory", "1K", "--optimizer", "adam"], None),
    "max-activations": (["check", "lenet", "--max-activations", "10"], None),
    "expect-output": (["check", "lenet", "--expect-output", "3"], None),
}


def test_every_code_says_what_it_found_in_chinese():
    """Each warning and check code of codes.py, produced under --lang zh: its lines on stderr are Chinese."""
    from convcalc import codes
    from convcalc.cli import app

    assert set(CODE_EXAMPLES) == {*codes.WARNINGS, *codes.CHECKS}, "give each new code an example here"
    runner = _runner()
    for code, (args, stdin) in CODE_EXAMPLES.items():
        english = runner.invoke(app, [*args, "--format", "json"] if code in codes.CHECKS else args, input=stdin)
        assert code in english.output or code in ("padding-only-division", "input-read"), (code, english.output)
        lines = runner.invoke(app, [*args, "--lang", "zh"], input=stdin).stderr.splitlines()
        assert lines and all(re.search(r"[\u4e00-\u9fff]", line) and not english_left(line) for line in lines), \
            (code, lines)


def test_english_left_sees_sentences_not_identifiers():
    assert english_left("layers[0] conv2d: 卷积核 9x9 大于填充后的输入 8x8") == []
    assert english_left("请在它前面加 flatten 并设 in_features=400（只对最后一维则设 in_features=16）") == []
    assert english_left("x.py:3:5: 模型代码抛出 TypeError：'f' 不可调用 (在 Net.__init__ 中)") == []
    assert english_left("错误: torch's 'Expected more than 1 spatial element' [inexact-division]") == []
    assert english_left("layers[0] conv2d: kernel 9x9 is larger than the padded input") == ["is larger",
                                                                                             "than the", "padded input"]


# -- the CLI under --lang zh -------------------------------------------------------------------------------

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")


def _runner():
    from typer.testing import CliRunner

    return CliRunner()


def _builtin_models() -> list[str]:
    from convcalc import catalog

    return list(catalog.names())


def _refused_networks() -> list[list[str]]:
    """The networks of test_network_errors and test_hardening, as command lines."""
    from . import test_hardening, test_network_errors

    out = []
    for mark in test_network_errors.test_refused_networks.pytestmark:
        for param in mark.args[1]:
            layers, shape = param.values[0], param.values[1]
            out.append(["shape", "--layers", layers, "--input", "x".join(map(str, shape))])
    for mark in test_hardening.test_values_beyond_the_limit.pytestmark:
        out += [["shape", "--layers", layers, "--input", "1x8x8"] for layers in mark.args[1]]
    for mark in test_hardening.test_an_unbalanced_bracket_is_named_at_its_column.pytestmark:
        out += [["shape", "--layers", text, "--input", "1x8x8"] for text, *_ in mark.args[1]]
    return out


def _unusable_inputs() -> list[list[str]]:
    from . import test_cli

    out = [list(args) for mark in test_cli.test_unusable_input_exits_2.pytestmark for args, _ in mark.args[1]]
    return out + [
        ["shape", "lenet", "--input", "1x" + "9" * 50 + "x28"],
        ["check", "--layers", "linear(10)", "--input", "5", "--min-input"],
        ["shape", "--layers", "instancenorm2d", "--input", "3x1x1"],
        ["shape", "googlenet", "--from", "toml"],
        ["shape", "lenett"],
        ["shape", "lenet", "--ignore", "not-a-code"],
        ["shape", "lenet", "--columns", "layer,kernal"],
        ["shape", "--layers", "conv2d(4, 5, stride=2)", "--input", "1x28x28"],
        ["shape", "--layers", "conv2d(4, 5, stride=2)", "--input", "1x28x28", "--strict"],
        ["shape", "--layers", "linear(10)", "--input", "5x5"],
        ["shape", "--layers", "conv2d(4, 3)", "--input", "28x28"],
        ["shape", "--layers", "conv2d(4, 3)", "--input", "28x28x3"],
        ["shape", "--layers", "batchnorm2d(8, affine=false, track_running_stats=false)", "--input", "4x8x8"],
        ["shape", "--layers", "upsample(scale_factor=2), conv2d(4, 3)", "--input", "1x8x8"],
        ["rf", "--layers", "upsample(scale_factor=2), conv2d(4, 3)", "--input", "1x8x8"],
        ["rf", "--layers", "adaptiveavgpool2d(3)", "--input", "1x8x8"],
        ["rf", "lenet", "--relative-to", "nothing"],
        ["check", "lenet", "--max-params", "10", "--max-macs", "10", "--max-memory", "1K", "--expect-output", "3"],
        ["check", "lenet", "--max-activations", "10"],
        ["solve", "--in", "28", "--out", "200"],
        ["solve", "--in", "28", "--keep", "--kernel", "4"],
        ["compare", "lenet"],
        ["shape", "resnet18", "--input", "3x225x225"],
        ["shape", "unet", "--input", "1x100x100"],
    ]


def _spec_errors() -> list[tuple[list[str], str]]:
    """The refused specs of test_spec and more, each on stdin."""
    from . import test_spec

    out = []
    for mark in test_spec.test_bad_values_are_spec_errors.pytestmark:
        for param in mark.args[1]:
            out.append((["shape", "-"], json.dumps({"input": [1, 8, 8], "layers": [param.values[0]]})))
    return out + [(["shape", "-"], text) for text in (
        "", "[1, 2]", "input: 1x8x8\n", "input: 1x8x8\nlayers: []\n", "input: 1x8x8\nlayer: []\n",
        "input: 1x8x8\nlayers: [relu, {type: conv2d, out_channel: 4, kernel_size: 3}]\n",
        "input: 1x8x8\nlayers: [{type: concat, branches: [[relu, maxpol2d]]}]\n",
        "input: 1x8x8\nlayers: [{type: conv2d, out_channels: 4, kernel_size: 3, from: nothing}]\n",
        "inputs: {a: 1x8x8, b: 1x8x8}\nlayers: [relu]\n",
        "input: 1x8x8\nlayers: [relu, {type: add, from: [layers[0]]}]\n",
        "input: [1, 8, 8]\nlayers: {a: 1}\n", "{input: [1, 8, 8], layers: [relu]", "input: 1x8x8\n\tlayers: [relu]\n",
    )]


def _model_files() -> list[list[str]]:
    """The corpus of model code: the hostile files, the refused cases of tests/data/models and one model each
    file defines, and the torch route's model files whose reading says something (read without torch)."""
    from .torchcode_check import MODELS, cases

    quick = ["deep_recursion", "dunder_escape", "huge_int", "huge_list", "huge_string", "import_builtin",
             "imports_os", "os_size", "writes_file", "recursive_module"]
    out = [["shape", str(ROOT / "tests" / "data" / "hostile" / f"{name}.py")] for name in quick]
    for path in sorted(MODELS.glob("*.py")):
        found = cases(path)
        picked = [c for c in found if c[2] != "exact"] + [c for c in found if c[2] == "exact"][:1]
        out += [["params", f"{path}:{choice}", "--input", "x".join(map(str, shape))] for choice, shape, *_ in picked]
    torch_models = ROOT / "tests" / "data" / "torch_models"
    out += [["params", str(torch_models / f"{name}.py")] for name in (
        "crossing", "custom", "meta_unfriendly", "unet", "untraceable", "lenet_tutorial", "siamese", "two_models",
        "alexnet")]
    return out + [["params", str(MODELS / "cifar_shufflenetv2.py")], ["params", str(MODELS / "kuangliu_resnet.py")]]


def _english_lines(runs) -> list[str]:
    runner = _runner()
    from convcalc.cli import app

    bad = []
    for args, stdin in runs:
        result = runner.invoke(app, [*args, "--lang", "zh"], input=stdin)
        assert "Traceback" not in result.output and "internal error" not in result.stderr, (args, result.output)
        for line in result.stderr.splitlines():
            if english_left(re.sub(r"^(错误|警告|提示|注): ", "", line)):
                bad.append(f"{' '.join(args)[:120]}\n    {line}")
    return list(dict.fromkeys(bad))


def _report(bad: list[str]) -> str:
    return f"{len(bad)} lines stay English under --lang zh:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("command", ["shape", "params", "rf", "check"])
def test_the_built_in_models_speak_chinese(command):
    models = _builtin_models() + ["googlenet --aux", "inception_v3 --aux"]
    bad = _english_lines([([command, *m.split()], None) for m in models])
    assert not bad, _report(bad)


def test_refused_networks_and_unusable_input_speak_chinese():
    bad = _english_lines([(args, None) for args in _refused_networks() + _unusable_inputs()])
    assert not bad, _report(bad)


def test_refused_specs_speak_chinese():
    bad = _english_lines(_spec_errors())
    assert not bad, _report(bad)


def test_model_code_speaks_chinese():
    bad = _english_lines([(args, None) for args in _model_files()])
    assert not bad, _report(bad)


@pytest.mark.parametrize("view", ["shape", "params", "rf"])
def test_tables_and_markdown_speak_chinese(view, monkeypatch):
    """Headers, the lines under the table and what a cell says in words (``relu shares …``) are Chinese; the
    names, types and numbers in the cells stay as they are."""
    from convcalc.cli import app

    monkeypatch.setenv("COLUMNS", "100")
    runner = _runner()
    bad = []
    for model in ("lenet", "googlenet --aux", "resnet50", "siamese", "fcn-aux"):
        for fmt in ("markdown", "table"):
            out = runner.invoke(app, [view, *model.split(), "--format", fmt, "--lang", "zh"]).stdout
            bad += [f"{view} {model} --format {fmt}\n    {line}" for line in out.splitlines()
                    if english_left(line, sentence=False)]
    assert not bad, _report(bad)


def test_markdown_headers_and_totals_in_chinese_csv_and_json_keys_in_english():
    from convcalc.cli import app

    runner = _runner()
    md = runner.invoke(app, ["params", "lenet", "--format", "markdown", "--lang", "zh"]).stdout.splitlines()
    assert md[0] == "**lenet**"
    assert md[2].startswith("| 层 | 类型 | 输出 |") and "| 参数 |" in md[2] and "| 乘加数 |" in md[2]
    assert "参数：61,706（可训练 61,706，冻结 0）  " in md
    assert any(line.startswith("内存（float32）：一次前向传播共") for line in md)
    english = runner.invoke(app, ["params", "lenet", "--format", "markdown"]).stdout.splitlines()
    assert english[2].startswith("| layer | type | output |")
    assert "params: 61,706 (trainable 61,706, frozen 0)  " in english
    csv = runner.invoke(app, ["params", "lenet", "--format", "csv", "--lang", "zh"]).stdout.splitlines()
    assert csv[0].startswith("node,name,type,output,") and "params" in csv[0]
    data = runner.invoke(app, ["params", "lenet", "--format", "json", "--lang", "zh"]).stdout
    assert '"layers"' in data and '"params"' in data and "参数" not in data


def test_english_reads_no_catalog(monkeypatch):
    """In English nothing is looked up: no catalog is read, no template compiled (convcalc starts fast)."""
    import gettext

    from convcalc import i18n
    from convcalc.cli import app

    original = gettext.translation

    def refuse(domain, *args, **kwargs):
        assert domain != i18n.DOMAIN, "convcalc's catalog was read in English"
        return original(domain, *args, **kwargs)  # click's own

    monkeypatch.setattr(gettext, "translation", refuse)
    i18n._catalog.cache_clear()
    i18n._templates.cache_clear()
    try:
        for args in (["params", "lenet", "--format", "markdown"], ["shape", "--layers", "conv2d(4, 5, stride=2)",
                                                                  "--input", "1x28x28"], ["shape", "lenett"]):
            result = _runner().invoke(app, [*args, "--lang", "en"])
            assert "Traceback" not in result.output and "catalog was read" not in result.output, result.output
        assert i18n._templates.cache_info().currsize == 0
    finally:
        i18n._catalog.cache_clear()
        i18n._templates.cache_clear()


def test_the_locale_chooses_chinese_too():
    """LANG=zh_CN.UTF-8 without --lang: the real process, whose messages come out in Chinese."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("CONVCALC_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "zh_CN.UTF-8"
    result = subprocess.run([sys.executable, "-m", "convcalc", "shape", "--layers", "Conv2d(3, 8, 3)", "--input",
                             "1x8x8"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["错误: layers[0] conv2d: in_channels=3，但上一层给出 1 个通道",
                                          "提示: 请设 in_channels=1"]


if __name__ == "__main__":
    missing = untranslated(engine_messages())
    seen = set()
    for site, skeleton, chinese in missing:
        if skeleton not in seen:
            seen.add(skeleton)
            print(f"{site.module}:{site.line}: {skeleton}")
    print(f"{len(seen)} messages without a Chinese template", file=sys.stderr)
