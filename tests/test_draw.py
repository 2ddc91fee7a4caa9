"""`convcalc draw` and the graph formats: the SVG's structure (one box per feature map, labels equal to the
report's shapes, every node accounted for, no two texts overlapping, nothing outside the viewBox), the DOT and
Mermaid graphs parsed back, the HTML page self-contained, and goldens (CONVCALC_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

from convcalc import catalog
from convcalc.cli import app
from convcalc.readers import read_text
from convcalc.render import bars, diagram, graphviz, html, svg
from convcalc.report import analyze

GOLDEN = Path(__file__).parent / "golden" / "draw"
UPDATE = bool(os.environ.get("CONVCALC_UPDATE_GOLDEN"))
SVG_NS = "{http://www.w3.org/2000/svg}"

MODELS = ["lenet", "lenet5", "googlenet", "googlenet-torchvision", "unet", "unet-padded", "resnet18", "resnet50",
          "se_resnet50", "siamese", "fcn-aux", "mobilenet_v2", "densenet121", "inception_v3", "squeezenet1_0",
          "vgg16", "alexnet", "mnist-cnn"]


def load(name: str, aux: bool = False):
    network = catalog.load(name, None, aux=aux)
    return network, analyze(network)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden {name} was missing and has been written; rerun")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden (CONVCALC_UPDATE_GOLDEN=1)"


# -- reading an SVG back -------------------------------------------------------------------------------------------
class Parsed:
    """The drawn SVG as geometry: text boxes and every point, in viewBox coordinates."""

    def __init__(self, text: str):
        self.root = ET.fromstring(text)
        _, _, self.width, self.height = map(float, self.root.get("viewBox").split())
        group = self.root.find(f"{SVG_NS}g")
        dx, dy = map(float, re.match(r"translate\(([-\d.]+),([-\d.]+)\)", group.get("transform")).groups())
        self.texts = []
        self.points = []
        for el in self.root.iter():
            tag = el.tag.removeprefix(SVG_NS)
            if tag == "text":
                box = svg.text_box(float(el.get("x")), float(el.get("y")), el.text or "", float(el.get("font-size")),
                                   el.get("text-anchor") or "start")
                self.texts.append(((box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy), el.text, el.get("class")))
            elif tag == "polygon":
                for pair in el.get("points").split():
                    x, y = map(float, pair.split(","))
                    self.points.append((x + dx, y + dy))
            elif tag == "rect" and el is not self.root.find(f"{SVG_NS}rect"):
                x, y, w, h = (float(el.get(k)) for k in ("x", "y", "width", "height"))
                self.points += [(x + dx, y + dy), (x + w + dx, y + h + dy)]
            elif tag == "path":
                x = y = 0.0
                for cmd, args in re.findall(r"([MLHV])\s*([-\d. ]+)", el.get("d")):
                    nums = [float(v) for v in args.split()]
                    if cmd in "ML":
                        x, y = nums[0], nums[1]
                    elif cmd == "H":
                        x = nums[0]
                    else:
                        y = nums[0]
                    self.points.append((x + dx, y + dy))
        self.boxes = [el for el in self.root.iter(f"{SVG_NS}g") if el.get("class") == "fmap"]
        self.repeats = [el for el in self.root.iter(f"{SVG_NS}rect") if el.get("class") == "repeat"]


def overlaps(texts) -> list:
    found = []
    for (a, ta, _), (b, tb, _) in itertools.combinations(texts, 2):
        if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5:
            found.append((ta, tb))
    return found


def check_svg(text: str, network, report) -> Parsed:
    """The invariants every architecture SVG keeps."""
    parsed = Parsed(text)
    rows = diagram.rows_by_node(report)
    inputs = dict(report.inputs)
    # one box per drawn feature map, labelled with the report's shape
    shape_texts = sorted(t for _, t, cls in parsed.texts if cls == "shape")
    labels = []
    for box in parsed.boxes:
        node = box.get("data-node")
        shape = inputs[node] if node in inputs else rows[node].output_shape
        assert box.get("data-shape") == "x".join(map(str, shape)), node
        assert box.get("data-label") == svg.shape_label(shape), node
        labels.append(svg.shape_label(shape))
    assert shape_texts == sorted(labels)
    # every node of the network is drawn exactly once: as a box, folded into one, or inside a ×N repeat
    seen = []
    for box in parsed.boxes:
        seen.append(box.get("data-node"))
        seen += (box.get("data-folds") or "").split()
    for rep in parsed.repeats:
        seen += rep.get("data-hidden").split()
    expected = [n for n, _ in network.inputs] + [n.id for n in network.nodes]
    assert sorted(seen) == sorted(expected)
    # no two texts overlap; nothing leaves the viewBox
    assert overlaps(parsed.texts) == []
    for (x0, y0, x1, y1), t, _ in parsed.texts:
        assert 0 <= x0 and x1 <= parsed.width and 0 <= y0 and y1 <= parsed.height, t
    for x, y in parsed.points:
        assert -0.05 <= x <= parsed.width + 0.05 and -0.05 <= y <= parsed.height + 0.05, (x, y)
    return parsed


@pytest.mark.parametrize("name", MODELS)
def test_architecture_svg_keeps_its_invariants(name):
    network, report = load(name)
    text = svg.architecture(network, report)
    check_svg(text, network, report)
    assert text == svg.architecture(*load(name)), "not deterministic"


@pytest.mark.parametrize("name", ["googlenet", "inception_v3"])
def test_auxiliary_heads_hang_below(name):
    network, report = load(name, aux=True)
    check_svg(svg.architecture(network, report), network, report)


def test_without_collapse_every_block_is_drawn():
    network, report = load("resnet50")
    collapsed = Parsed(svg.architecture(network, report))
    full = check_svg(svg.architecture(network, report, collapse=False), network, report)
    assert collapsed.repeats and not full.repeats
    assert len(full.boxes) > len(collapsed.boxes)
    assert [r.get("data-count") for r in collapsed.repeats] == ["2", "3", "5", "2"]


def test_structure_lenet_is_a_chain():
    network, report = load("lenet")
    d = diagram.build(network, report)
    assert [t.id for t in d.drawn()] == ["input", "C1", "S2", "C3", "S4", "6", "F5", "F6", "output"]
    assert d.tensors["C1"].folded == ["sigmoid"]
    assert all(isinstance(p, (diagram.Tensor, diagram.Edge)) for p in d.top.parts)


def test_structure_inception_is_four_lanes():
    network, report = load("googlenet")
    d = diagram.build(network, report)
    pars = [p for p in d.top.parts if isinstance(p, diagram.Parallel)]
    assert len(pars) == 9
    assert all(len(p.lanes) == 4 and p.identity == 0 for p in pars)
    assert [[t.shape[0] for t in lane.parts if isinstance(t, diagram.Tensor)] for lane in pars[0].lanes] == \
        [[64], [96, 128], [16, 32], [192, 32]]


def test_structure_unet_nests_one_level_per_resolution():
    network, report = load("unet")
    d = diagram.build(network, report)
    depth, part = 0, d.top
    while True:
        pars = [p for p in part.parts if isinstance(p, diagram.Parallel)]
        if not pars:
            break
        assert len(pars) == 1 and len(pars[0].lanes) == 2
        part = max(pars[0].lanes, key=lambda lane: len(lane.parts))
        depth += 1
    assert depth == 4  # four bridges: the U's four levels above the bottleneck


def test_structure_residual_and_gate():
    network, report = load("se_resnet50")
    d = diagram.build(network, report, collapse=False)
    block = next(p for p in d.top.parts if isinstance(p, diagram.Parallel) and p.identity == 1)
    assert block.sink.type == "add"
    gate = next(p for p in block.lanes[0].parts if isinstance(p, diagram.Parallel))
    assert gate.sink.type == "mul" and gate.identity == 1
    assert [t.shape[1:] for t in gate.lanes[0].parts if isinstance(t, diagram.Tensor)] == [(1, 1)] * 3


def test_unet_is_drawn_as_a_u():
    """Each level of the U-Net sits lower than the one above it: the bottleneck lowest, input and output top."""
    network, report = load("unet")
    parsed = Parsed(svg.architecture(network, report))
    ys = {}
    for box in parsed.boxes:  # the middle of the front face (the group's last polygon) is on the lane's axis
        front = [float(p.split(",")[1]) for p in box.findall(f"{SVG_NS}polygon")[2].get("points").split()]
        ys[box.get("data-node")] = (min(front) + max(front)) / 2
    assert ys["input"] < ys["pool1"] < ys["pool2"] < ys["pool3"] < ys["pool4"]
    assert ys["up1"] < ys["up2"] < ys["up3"] < ys["up4"]
    assert abs(ys["cat1"] - ys["enc1.2"]) < 0.2 and abs(ys["final"] - ys["input"]) < 0.2


def box_extents(parsed: Parsed) -> dict[str, tuple[float, float, float, float, float]]:
    """Each feature map's (left, top, right, bottom, axis y) from its polygons."""
    out = {}
    for box in parsed.boxes:
        polys = box.findall(f"{SVG_NS}polygon")
        pts = [tuple(map(float, p.split(","))) for poly in polys for p in poly.get("points").split()]
        front = [float(p.split(",")[1]) for p in polys[2].get("points").split()]
        out[box.get("data-node")] = (min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts),
                                     max(y for _, y in pts), (min(front) + max(front)) / 2)
    return out


# per U-Net: the encoder's levels top to bottom (node-id prefixes), then each level's (encoder's last map,
# bridge's maps, decoder's first map)
U_LEVELS = {
    "unet": ([("input", "enc1."), ("pool1", "enc2."), ("pool2", "enc3."), ("pool3", "enc4."), ("pool4", "bottleneck.")],
             [(f"enc{k}.2", [f"crop{k}"], f"cat{k}") for k in range(1, 5)]),
    "unet-padded": ([("input", "inc."), ("down1.",), ("down2.",), ("down3.",), ("down4.",)],
                    [(e, [], f"up{5 - k}.cat") for k, e in enumerate(
                        ["inc.double_conv.3", *(f"down{k}.maxpool_conv.1.double_conv.3" for k in range(1, 4))], 1)]),
}


@pytest.mark.parametrize("name", ["unet", "unet-padded"])
def test_unet_is_compact(name):
    """A U-Net is drawn as its paper draws it, to fit a slide: each encoder level under the one above it on the
    left, the bottleneck at the bottom, each decoder level beside its encoder level on the right, the bridges
    horizontal; at most 1800 px wide, between 1:1 and 2:1."""
    network, report = load(name)
    parsed = check_svg(svg.architecture(network, report), network, report)
    assert parsed.width <= 1800 and 1.0 <= parsed.width / parsed.height <= 2.0, (parsed.width, parsed.height)
    boxes = box_extents(parsed)
    levels, bridges = U_LEVELS[name]
    members = [[b for n, b in boxes.items() if any(n == p or n.startswith(p) for p in prefixes)] for prefixes in levels]
    assert all(members) and sum(map(len, members)) == len({n for n in boxes if any(
        n == p or n.startswith(p) for prefixes in levels for p in prefixes)})
    for upper, lower in itertools.pairwise(members):  # level k+1 wholly below level k, starting no further left
        assert max(b[3] for b in upper) < min(b[1] for b in lower)
        assert min(b[0] for b in upper) <= min(b[0] for b in lower)
    for enc, mids, dec in bridges:  # the bridge runs level, from the encoder's side to the decoder's
        row = [boxes[enc], *(boxes[m] for m in mids), boxes[dec]]
        assert all(abs(b[4] - row[0][4]) < 0.2 for b in row), (enc, dec)
        assert all(a[2] < b[0] for a, b in itertools.pairwise(row)), (enc, dec)
    # the decoder goes back up: each level's decoder above the next one's
    decs = [boxes[dec] for _, _, dec in bridges]
    assert all(a[4] < b[4] for a, b in itertools.pairwise(decs))


def test_merges_say_what_they_do():
    """A merge is labelled by its operation, not by its block's name or a name that restates it."""
    def ops(name):
        network, report = load(name)
        return {t: cls for _, t, cls in Parsed(svg.architecture(network, report)).texts if cls == "op"}
    assert "concat" in ops("unet") and not any("cat1" in t for t in ops("unet"))
    googlenet = ops("googlenet")
    assert "3a concat" in googlenet and not any("inception" in t for t in googlenet)
    se = ops("se_resnet50")
    assert "×" in se and "add" in se and not any("mul" in t.split() or "scale" in t for t in se)
    assert "subtract" in ops("siamese")
    # a name that is not a kernel size's digits keeps its place: pool2 as pool1, conv1 as conv2
    assert {"pool1 maxpool 2×2/2", "pool2 maxpool 2×2/2"} <= set(ops("unet"))
    assert {"conv1 conv 1×1", "conv2 conv 3×3"} <= set(ops("resnet50"))


@pytest.mark.parametrize("name", ["lenet", "googlenet", "unet"])
def test_architecture_golden(name):
    golden(f"{name}.svg", svg.architecture(*load(name)))


# -- receptive field --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,node,size", [("lenet", "C3", "14x14"), ("lenet", "S4", "16x16"),
                                            ("resnet18", "layer2", "99x99"), ("unet", "enc2", "14x14"),
                                            ("vgg16", "features.30", "212x212")])
def test_receptive_field_picture(name, node, size):
    network, report = load(name)
    text = svg.receptive_field(network, report, node)
    parsed = Parsed(text)
    rects = [el for el in parsed.root.iter(f"{SVG_NS}rect") if el.get("class") == "rf"]
    assert rects
    widths = [float(r.get("width")) for r in rects]
    assert widths == sorted(widths, reverse=True)  # largest first, the earlier layers nested inside
    row = next(r for r in report.layers if node in (r.node, r.name))
    assert "x".join(map(str, row.receptive_field)) == size
    assert f"sees {size.replace('x', '×')} input pixels" in text
    assert overlaps(parsed.texts) == []
    for x, y in parsed.points:
        assert 0 <= x <= parsed.width and 0 <= y <= parsed.height


def test_receptive_field_golden():
    golden("lenet_rf_C3.svg", svg.receptive_field(*load("lenet"), "C3"))


def test_receptive_field_nested_boxes_contain_each_other():
    network, report = load("lenet")
    parsed = Parsed(svg.receptive_field(network, report, "C3"))
    rects = [tuple(float(el.get(k)) for k in ("x", "y", "width", "height"))
             for el in parsed.root.iter(f"{SVG_NS}rect") if el.get("class") == "rf"]
    # C3 (14x14) contains S2's 6x6 and C1's 5x5
    outer = rects[0]
    for x, y, w, h in rects[1:]:
        assert outer[0] <= x and x + w <= outer[0] + outer[2] and outer[1] <= y and y + h <= outer[1] + outer[3]


# -- DOT and Mermaid ----------------------------------------------------------------------------------------------
DOT_NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[(.*)\];$')
DOT_EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[label="([^"]*)"(, style=dashed)?\];$')


def parse_dot(text: str):
    """Nodes and edges of convcalc's DOT (one statement a line), with balanced clusters."""
    lines = text.splitlines()
    assert lines[0].startswith("digraph ") and lines[-1] == "}"
    depth = 0
    nodes, edges = {}, []
    for line in lines:
        depth += line.count("{") - line.count("}")
        assert depth >= 0
        if m := DOT_EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3), bool(m.group(4))))
        elif m := DOT_NODE.match(line):
            nodes[m.group(1)] = m.group(2)
    assert depth == 0
    return nodes, edges


def shape_text(shape) -> str:
    return "×".join(map(str, shape))


@pytest.mark.parametrize("name", ["lenet", "googlenet", "unet", "resnet18", "siamese", "fcn-aux"])
def test_dot_has_every_node_and_shapes_on_edges(name):
    network, report = load(name)
    nodes, edges = parse_dot(graphviz.to_dot(network, report))
    expected = {n for n, _ in network.inputs} | {n.id for n in network.nodes} | {
        f"output:{o}" for o in (network.output_names or network.outputs)}
    assert set(nodes) == expected
    rows = diagram.rows_by_node(report)
    shapes = {**{n: s for n, s in report.inputs}, **{n: r.output_shape for n, r in rows.items()}}
    for src, dst, label, _ in edges:
        assert src in nodes and dst in nodes
        assert label == shape_text(shapes[src]) or "[" in label or src in shapes and label, (src, label)
    # every tensor flowing is on an edge: each node's inputs
    pairs = {(s, d) for s, d, _, _ in edges}
    for node in network.nodes:
        for ref in node.inputs:
            src = diagram.resolve(ref, diagram.aliases(network))
            assert (src, node.id) in pairs


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")
@pytest.mark.parametrize("name", ["lenet", "googlenet", "unet", "siamese"])
def test_dot_renders_with_graphviz(name, tmp_path):
    network, report = load(name)
    source = tmp_path / "g.dot"
    source.write_text(graphviz.to_dot(network, report), encoding="utf-8")
    done = subprocess.run(["dot", "-Tsvg", str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "Error" not in done.stderr, done.stderr
    ET.fromstring(done.stdout.split("\n", 3)[-1] if done.stdout.startswith("<?xml") else done.stdout)


def test_dot_depth_collapses_blocks():
    network, report = load("googlenet")
    nodes, edges = parse_dot(graphviz.to_dot(network, report, depth=0))
    assert "3a" in nodes and "3a.1.0" not in nodes
    assert ("pool2", "3a", "192×28×28", False) in edges


def test_dot_golden():
    golden("lenet.dot", graphviz.to_dot(*load("lenet")))


def parse_mermaid(text: str):
    lines = text.splitlines()
    assert lines[0] == "---" and lines[2] == "---" and lines[3].startswith("flowchart ")
    defined, edges, depth = {}, [], 0
    for line in lines[4:]:
        s = line.strip()
        if s.startswith("subgraph "):
            depth += 1
        elif s == "end":
            depth -= 1
        elif m := re.match(r'^(n\d+)(\[|\(\[|\(\()"(.*)"(\]|\]\)|\)\))$', s):
            assert m.group(1) not in defined
            defined[m.group(1)] = m.group(3)
        elif m := re.match(r"^(n\d+) (-->|-\.->)\|([^|]*)\| (n\d+)$", s):
            edges.append((m.group(1), m.group(4), m.group(3)))
        else:
            assert s.startswith(("classDef ", "class ")), s
        assert depth >= 0
    assert depth == 0
    for a, b, _ in edges:
        assert a in defined and b in defined
    return defined, edges


@pytest.mark.parametrize("name", ["lenet", "googlenet", "unet", "siamese"])
def test_mermaid_parses(name):
    network, report = load(name)
    defined, edges = parse_mermaid(graphviz.to_mermaid(network, report))
    assert len(defined) == len(network.inputs) + len(network.nodes) + len(network.outputs)
    assert all(re.fullmatch(r"\d+(×\d+)*", label) for _, _, label in edges)


def test_mermaid_golden():
    golden("lenet.mmd", graphviz.to_mermaid(*load("lenet")))


def test_mermaid_escapes_quotes_in_names():
    network = read_text('{"name": "q\\"uote", "input": [1, 8, 8], "layers": [{"type": "conv2d", "name": "a<b>", '
                        '"out_channels": 2, "kernel_size": 3}]}', "t", fmt="json")
    text = graphviz.to_mermaid(network, analyze(network))
    assert '"q' not in text.split("flowchart")[0].replace('title: q#quot;uote', "")
    assert "a#lt;b#gt;" in text
    parse_mermaid(text)


# -- HTML ------------------------------------------------------------------------------------------------------------
class Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)


@pytest.mark.parametrize("name", ["lenet", "googlenet", "unet", "vgg16"])
def test_html_is_self_contained(name):
    network, report = load(name)
    page = html.to_html(network, report, "params")
    parser = Resources()
    parser.feed(page)
    assert parser.external == []
    assert "@import" not in page and "url(" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert parser.tags.count("svg") == 1 and parser.tags.count("table") == 3
    assert page.count('class="chart ') == 3
    check_svg(page[page.index("<svg"):page.index("</svg>") + 6], network, report)


def test_html_chart_uses_top_level_rows_for_big_networks():
    network, report = load("googlenet")
    rows = html.chart_rows(report, lambda r: r.params)
    assert len(rows) <= html.CHART_ROWS and all(r.depth == 0 for r, _ in rows)
    assert sum(v for _, v in rows) == report.totals.params
    acts = html.chart_rows(report, lambda r: r.activations)
    assert sum(v for _, v in acts) == report.totals.activations


# -- the command line --------------------------------------------------------------------------------------------------
runner = CliRunner()


def test_cli_draw_writes_svg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["draw", "lenet", "-o", "lenet.svg"])
    assert result.exit_code == 0, result.output
    network, report = load("lenet")
    assert (tmp_path / "lenet.svg").read_text(encoding="utf-8") == svg.architecture(network, report)


@pytest.mark.parametrize("args,start", [
    (["draw", "lenet", "-f", "dot"], "digraph"), (["draw", "lenet", "-f", "mermaid"], "---"),
    (["draw", "lenet", "-f", "html"], "<!DOCTYPE html>"), (["draw", "lenet", "--rf", "C3"], "<svg"),
    (["params", "lenet", "--format", "dot"], "digraph"), (["shape", "unet", "--format", "mermaid"], "---"),
    (["rf", "lenet", "--format", "html"], "<!DOCTYPE html>"),
    (["draw", "--layers", "conv2d(4, 3), relu, maxpool2d(2), flatten, linear(10)", "--input", "1x12x12"], "<svg"),
])
def test_cli_formats(args, start):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)


def test_cli_format_from_suffix(tmp_path):
    for suffix, start in ((".dot", "digraph"), (".mmd", "---"), (".html", "<!DOCTYPE html>"), (".svg", "<svg")):
        target = tmp_path / f"g{suffix}"
        result = runner.invoke(app, ["draw", "lenet", "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert target.read_text(encoding="utf-8").startswith(start)
    target = tmp_path / "vgg16.html"
    assert runner.invoke(app, ["params", "vgg16", "--format", "html", "-o", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_draw_errors():
    result = runner.invoke(app, ["draw", "lenet", "--rf", "nosuch"])
    assert result.exit_code == 2 and "--rf: no layer named 'nosuch'" in result.stderr
    result = runner.invoke(app, ["draw", "lenet", "--rf", "F5"])
    assert result.exit_code == 2 and "has no receptive field" in result.stderr
    result = runner.invoke(app, ["draw", "lenet", "--rf", "C3", "-f", "dot"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["draw", "--layers", "conv2d(4, 9)", "--input", "1x8x8"])
    assert result.exit_code == 1 and "larger than the padded input" in result.stderr and result.stdout == ""


# -- terminal share bars ------------------------------------------------------------------------------------------------
def test_bars():
    assert bars.bar(1.0, 4) == "████"
    assert bars.bar(0.5, 4) == "██  "
    assert bars.bar(0.0001, 4) == "▏   "
    assert bars.bar(0.0, 4) == "    "
    assert bars.bar(0.5, 4, ascii_only=True) == "##  "
    assert bars.bar(0.001, 4, ascii_only=True) == "#   "
    network, report = load("lenet")
    by_node = {r.node: bars.share_bar("params", ascii_only=True)(r, report) for r in report.layers}
    assert by_node["F5"] == "########"  # 78% of 10 cells
    assert by_node["1"] is None
    assert max(by_node, key=lambda n: len(by_node[n] or "")) == "F5"


def test_bars_ascii_fallback(monkeypatch):
    monkeypatch.setenv("CONVCALC_ASCII", "1")
    assert not bars.unicode_ok()
    network, report = load("lenet")
    row = next(r for r in report.layers if r.node == "C3")
    assert set(bars.share_bar("macs")(row, report)) == {"#"}
