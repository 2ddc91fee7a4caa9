"""The pictures as a browser shows them: headless Chromium (Debian's ``chromium``) renders the SVG diagram and
the HTML report of lenet, googlenet and the U-Net, with no console errors and no requests leaving the file;
the screenshots are neither blank nor clipped, and — measured with the fonts the browser really uses — no two
labels overlap and every label lies inside the picture.

Skipped with a reason where no Chromium is installed (.ci/run installs Debian's). CONVCALC_SCREENSHOTS=DIR keeps
the PNGs for a person to look at.
"""

from __future__ import annotations

import itertools
import os
import struct
import zlib
from pathlib import Path

import pytest

from convcalc import catalog
from convcalc.render import html, svg
from convcalc.report import analyze

from . import chromium

pytestmark = pytest.mark.skipif(chromium.find() is None, reason="no Chromium installed (Debian: apt-get install "
                                                                 "chromium; .ci/run does this)")

MODELS = ["lenet", "googlenet", "unet"]


@pytest.fixture(scope="module")
def browser():
    try:
        b = chromium.Browser()
    except chromium.BrowserError as exc:  # pragma: no cover - a broken install
        pytest.skip(f"Chromium does not start: {exc}")
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    keep = os.environ.get("CONVCALC_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("screenshots")


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGBA pixels of an 8-bit RGB/RGBA PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 4 else bytes(v for i in range(0, stride, 3) for v in (*line[i:i + 3], 255)))
        prev = line
    return width, height, rows


def ink(rows: list[bytes], width: int) -> tuple[float, int, tuple[int, int, int, int] | None]:
    """Share of non-white pixels, how many distinct colours, and the box around everything not white."""
    dark, colours = 0, set()
    x0 = y0 = 10 ** 9
    x1 = y1 = -1
    for y, row in enumerate(rows):
        for x in range(0, width, 1):
            r, g, b = row[4 * x], row[4 * x + 1], row[4 * x + 2]
            if r < 245 or g < 245 or b < 245:
                dark += 1
                if len(colours) < 64:
                    colours.add((r >> 4, g >> 4, b >> 4))
                x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
    total = width * len(rows)
    return dark / total, len(colours), (x0, y0, x1, y1) if x1 >= 0 else None


#: Every <text>'s box as the browser lays it out (real fonts), in the SVG's user units, and the viewBox.
TEXT_BOXES = """
(function () {
  var svg = document.querySelector('svg');
  var vb = svg.viewBox.baseVal;
  var out = [];
  svg.querySelectorAll('text').forEach(function (t) {
    var b = t.getBBox();
    var m = t.getCTM(), root = svg.getCTM().inverse();
    var k = root.multiply(m);
    out.push([k.e + b.x * k.a, k.f + b.y * k.d, k.e + (b.x + b.width) * k.a, k.f + (b.y + b.height) * k.d,
              t.textContent, parseFloat(t.getAttribute('font-size')), b.width * k.a]);
  });
  return {boxes: out, view: [vb.x, vb.y, vb.width, vb.height]};
})()
"""


def real_overlaps(boxes) -> list:
    found = []
    for a, b in itertools.combinations(boxes, 2):
        # glyph boxes include the line's ascent and descent: allow 1.5 units of touching
        if a[0] < b[2] - 1.5 and b[0] < a[2] - 1.5 and a[1] < b[3] - 1.5 and b[1] < a[3] - 1.5:
            found.append((a[4], b[4]))
    return found


@pytest.mark.parametrize("name", MODELS)
def test_svg_in_chromium(name, browser, shots, tmp_path):
    network = catalog.load(name, None)
    report = analyze(network)
    path = tmp_path / f"{name}.svg"
    path.write_text(svg.architecture(network, report), encoding="utf-8")
    width, height = chromium.svg_size(path)
    page = browser.load(path, width, height)
    assert page.console_errors == []
    assert [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))] == []
    measured = page.evaluate(TEXT_BOXES)
    boxes, (vx, vy, vw, vh) = measured["boxes"], measured["view"]
    assert len(boxes) > 10
    assert real_overlaps(boxes) == []
    for x0, y0, x1, y1, t, size, real in boxes:
        assert vx <= x0 and x1 <= vx + vw and vy <= y0 and y1 <= vy + vh, t
        # the widths the layout reserved are upper bounds of the browser's
        assert real <= svg.text_width(t, size) + 0.5, (t, real, svg.text_width(t, size))
    png = shots / f"{name}.svg.png"
    page.screenshot(png, width, height)
    if os.environ.get("CONVCALC_SCREENSHOTS"):  # the full-size one stays for a person; check a half-size one
        png = tmp_path / "half.png"
        page.screenshot(png, width, height, scale=0.5)
    else:
        page.screenshot(png, width, height, scale=0.5)
    w, h, rows = read_png(png)
    share, colours, box = ink(rows, w)
    assert share > 0.01 and colours > 5, "blank"
    x0, y0, x1, y1 = box
    assert x0 >= 2 and y0 >= 2 and x1 <= w - 3 and y1 <= h - 3, f"clipped: ink reaches the edge {box} of {w}x{h}"


@pytest.mark.parametrize("name", MODELS)
def test_html_in_chromium(name, browser, shots, tmp_path):
    network = catalog.load(name, None)
    report = analyze(network)
    path = tmp_path / f"{name}.html"
    path.write_text(html.to_html(network, report, "params"), encoding="utf-8")
    page = browser.load(path, 1280, 900)
    assert page.console_errors == []
    assert [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))] == []
    # nothing wider than the window (the diagram fits, tables scroll inside their frame)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    fig = page.evaluate("(function(){var r=document.querySelector('#diagram-figure svg').getBoundingClientRect();"
                        "return [r.width, r.height];})()")
    assert fig[0] > 600 and fig[1] > 100
    # sorting: params, largest first after two clicks
    order = page.evaluate("""(function(){
        var t = document.getElementById('params-table');
        var th = Array.prototype.find.call(t.querySelectorAll('th'), function(h){return h.textContent==='params';});
        th.click(); th.click();
        var col = Array.prototype.indexOf.call(th.parentNode.children, th);
        return Array.prototype.slice.call(t.tBodies[0].rows, 0, 3).map(function(r){
            return +r.cells[col].getAttribute('data-sort');});
    })()""")
    assert order == sorted(order, reverse=True) and order[0] > 0
    assert page.evaluate("document.querySelectorAll('.chart .bar').length") >= 3
    full_h = page.evaluate("document.documentElement.scrollHeight")
    png = shots / f"{name}.html.png"
    page.screenshot(png, 1280, min(full_h, 4000))
    half = tmp_path / "half.png"
    page.screenshot(half, 1280, 900, scale=0.5)
    w, h, rows = read_png(half)
    share, colours, box = ink(rows, w)
    assert share > 0.02 and colours > 5, "blank"
    assert box[2] <= w - 3, "content reaches the right edge"
