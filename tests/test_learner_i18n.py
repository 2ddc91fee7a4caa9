"""The Chinese catalog: complete for the text convcalc writes for learners, its fields intact, the shipped
.mo compiled from the .po, and the engine's English messages matched where they are printed."""

import ast
import gettext
import re
import sys
from pathlib import Path

import pytest

from convcalc import i18n

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import msgfmt  # noqa: E402

PO = ROOT / "convcalc" / "locale" / "zh" / "LC_MESSAGES" / "convcalc.po"
MO = PO.with_suffix(".mo")
#: the modules whose every word goes through _()
TRANSLATED = ["explain.py", "numeric.py", "solve.py"]


def literal_msgids(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "label")
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append(node.args[0].value)
    return found


def fields(text: str) -> set[str]:
    return set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^}]*)?\}", text))


@pytest.fixture(scope="module")
def catalog():
    return msgfmt.parse_po(PO.read_text(encoding="utf-8"))


def test_the_shipped_mo_is_compiled_from_the_po(catalog):
    with MO.open("rb") as f:
        shipped = gettext.GNUTranslations(f)._catalog
    assert {k: v for k, v in shipped.items() if k} == {k: v for k, v in catalog.items() if k}, \
        "run: python tools/msgfmt.py"


@pytest.mark.parametrize("module", TRANSLATED + ["cli.py"])
def test_every_message_written_for_translation_has_a_chinese_one(module, catalog):
    missing = [m for m in literal_msgids(ROOT / "convcalc" / module) if not catalog.get(m)]
    assert not missing


def test_every_translation_keeps_the_fields_and_is_chinese(catalog):
    for msgid, msgstr in catalog.items():
        if not msgid:
            continue
        assert fields(msgid) == fields(msgstr), msgid
        msgstr.format(**{f: "1" for f in fields(msgstr)}) if "{" in msgstr and ":" not in msgstr else None
        assert re.search(r"[\u4e00-\u9fff]", msgstr), msgid


def test_the_modules_that_teach_do_not_print_untranslated_words():
    """No f-string of words in explain/numeric/solve bypasses _(): formulas and numbers only."""
    for module in TRANSLATED:
        tree = ast.parse((ROOT / "convcalc" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                assert not re.search(r"[a-z]{4,} [a-z]{3,}", words), (module, ast.unparse(node))


@pytest.mark.parametrize("environ,lang", [
    ({}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "zh_TW.UTF-8"}, "zh"), ({"LC_ALL": "zh_CN", "LANG": "en_US"}, "zh"),
    ({"LANGUAGE": "en:zh", "LANG": "zh_CN.UTF-8"}, "en"), ({"LANGUAGE": "zh_CN:en"}, "zh"),
    ({"CONVCALC_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"), ({"CONVCALC_LANG": "zh-Hans"}, "zh"),
])
def test_the_language_from_the_environment(environ, lang):
    assert i18n.detect(environ) == lang


@pytest.fixture
def chinese():
    i18n.set_language("zh")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize("english,chinese_text", [
    ("layers[0] conv2d: kernel 9x9 is larger than the padded input 8x8",
     "layers[0] conv2d: 卷积核 9x9 大于填充后的输入 8x8"),
    ("layers[2] maxpool2d: the last 1 row and 1 column of the padded input are never covered "
     "(13 + 2·0 − 2 = 11 is not a multiple of 2) [inexact-division]",
     "layers[2] maxpool2d: 填充后的输入的最后 1 行和 1 列从未被覆盖（13 + 2·0 − 2 = 11 不是 2 的倍数） [inexact-division]"),
    ("layers[0] conv2d: the last 2 rows of the padded input are never covered (9 + 2·0 − 3 = 6 is not a multiple "
     "of 4; 10 + 2·0 − 3 = 7 is not a multiple of 4)",
     "layers[0] conv2d: 填充后的输入的最后 2 行从未被覆盖（9 + 2·0 − 3 = 6 不是 4 的倍数; 10 + 2·0 − 3 = 7 不是 4 的倍数）"),
    ("layers[4] concat: enc1 gives 8x62x62 but up1 gives 8x58x58; all dims but dim 1 must agree (in unet › dec)",
     "layers[4] concat: enc1 给出 8x62x62，而 up1 给出 8x58x58；除第 1 维外其他维度必须一致（位于 unet › dec）"),
    ("did you mean 'lenet'?", "你是不是想写 'lenet'？"),
    ("something convcalc has no words for", "something convcalc has no words for"),
])
def test_engine_messages_are_matched_where_they_are_printed(chinese, english, chinese_text):
    assert i18n.translate(english) == chinese_text


def test_english_is_left_alone():
    i18n.set_language("en")
    try:
        assert i18n.translate("layers[0] conv2d: kernel 9x9 is larger than the padded input 8x8").startswith(
            "layers[0] conv2d: kernel")
        assert i18n._("{n} rows") == "{n} rows"
    finally:
        i18n.set_language(None)


def test_display_width_counts_chinese_twice():
    assert i18n.display_width("卷积核") == 6 and i18n.display_width("kernel") == 6


def test_every_command_takes_lang():
    import os

    os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")
    from typer.testing import CliRunner

    from convcalc.cli import app

    runner = CliRunner()
    for command in app.registered_commands:
        assert "--lang" in runner.invoke(app, [command.name, "--help"]).stdout, command.name


def test_memory_lines_and_the_check_verdict_in_chinese():
    from typer.testing import CliRunner

    from convcalc.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["params", "lenet", "--lang", "zh"]).stdout
    assert "内存（float32）：一次前向传播共 303 KiB =" in out
    assert "参数 241 KiB + 缓冲区 0 B + 输入 3.06 KiB + 激活 58.6 KiB" in out
    assert "forward pass" not in out and "for a" not in out  # nothing English left under the table
    ok = runner.invoke(app, ["check", "lenet", "--lang", "zh"]).stdout
    assert ok.strip() == "通过：lenet：1x28x28 → 10，参数 61,706，乘加数 416,520"
