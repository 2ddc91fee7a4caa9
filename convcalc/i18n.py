"""Messages in the learner's language: English (the default) or Chinese, through gettext.

The catalogs ship with the package (``convcalc/locale/<lang>/LC_MESSAGES/convcalc.mo``, built from
the ``.po`` beside it by ``python tools/msgfmt.py``). The language is, in order: what
:func:`set_language` was given (the CLI's ``--lang``), ``CONVCALC_LANG``, then the first of
``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set, as gettext reads them
(``zh_CN.UTF-8`` → Chinese). Anything that is not Chinese is English.

Text written for translation calls :func:`_` with a ``str.format`` template (``_("kernel {k}")``).
Messages built elsewhere in English (the engine's errors, warnings and hints, which carry their
numbers inside) are translated where they are printed, by :func:`translate`: an exact catalog
entry, else a catalog template whose literal parts match — ``{n}`` takes a number, ``{x}`` one
value without spaces (a shape, a name), ``{w_x}`` several words kept as they are, ``{t_x}`` words that
are translated in turn, ``{l_x}``/``{c_x}`` sentences or items each translated, ``{q_x}`` a quotation —
else the text after a ``layers[3] conv2d: `` prefix (the prefix too), else each sentence, else the
English as it is. ``tests/test_i18n_coverage.py`` checks that every message the engine composes has a
template.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

DOMAIN = "convcalc"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")  # (a str: no pathlib at start-up)
LANGUAGES = ("en", "zh")  #: English is the source language: it needs no catalog

_chosen: str | None = None  #: set_language's choice; None: from the environment


def detect(environ=None) -> str:
    """The language the environment asks for: ``zh`` for any Chinese locale, else ``en``."""
    environ = os.environ if environ is None else environ
    own = environ.get("CONVCALC_LANG")
    if own:
        return normalise(own)
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            return normalise(value.split(":")[0])
    return "en"


def normalise(value: str) -> str:
    """``zh_CN.UTF-8``, ``zh-Hans``, ``ZH`` → ``zh``; ``C``, ``en_US``, anything else → ``en``."""
    return "zh" if value.strip().lower().replace("-", "_").startswith("zh") else "en"


def set_language(lang: str | None) -> None:
    """Choose the language (``en``, ``zh``, a locale name such as ``zh_CN``); None: from the environment."""
    global _chosen
    _chosen = None if lang is None else normalise(lang)


def language() -> str:
    return _chosen or detect()


class _English:
    """The catalog of the language the messages are written in: each is itself (gettext's NullTranslations,
    without importing gettext on every English run)."""

    _catalog: dict[str, str] = {}

    @staticmethod
    def gettext(message: str) -> str:
        return message


@cache
def _catalog(lang: str) -> gettext.NullTranslations | _English:
    if lang == "en":
        return _English()
    import gettext

    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalog has no entry)."""
    return _catalog(language()).gettext(message)


# -- messages composed in English elsewhere ----------------------------------------------------

_FIELD = r"\{([A-Za-z_][A-Za-z0-9_]*)\}"  # patterns as text: compiled (and cached by re) in Chinese only


@cache
def _templates(lang: str) -> tuple[tuple[str, str, str, bool, frozenset], ...]:
    """The catalog's msgids with ``{fields}``, as (longest literal piece, pattern, msgstr, starts with a
    field, fields that must not hold English words), most literal text first."""
    catalog = getattr(_catalog(lang), "_catalog", {})
    found = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid or "{" not in msgid or not msgstr:
            continue
        parts = re.split(_FIELD, msgid)
        literal = "".join(parts[0::2])
        if not literal.strip():
            continue
        seen: set[str] = set()
        pattern = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                pattern.append(re.escape(part))
            elif part in seen:
                pattern.append(f"(?P={part})")
            else:
                seen.add(part)
                pattern.append(f"(?P<{part}>{_field_pattern(part)})")
        piece = max(parts[0::2], key=len)  # a text without it cannot match: skip the regex
        # the words of a t_ field must translate, a w_ field holds no English sentence (unless quoted code)
        worded = frozenset(name for i, name in enumerate(parts) if i % 2 and (
            name.startswith("t_") or name.startswith("w_") and not parts[i - 1].endswith(("`", "'", '"'))))
        found.append((len(literal), piece, "".join(pattern), msgstr, msgid.startswith("{"), worded))
    found.sort(key=lambda t: -t[0])
    return tuple(t[1:] for t in found)


@cache
def _compiled(pattern: str) -> re.Pattern:
    """A template's pattern, compiled the first time a text could match it (hundreds of templates: compiling
    them all would take longer than translating the messages of a run)."""
    return re.compile(pattern, re.DOTALL)


def _field_pattern(name: str) -> str:
    """What a field may hold, by its name: ``n`` a number; ``t_…`` words translated in turn; ``w_…`` words
    kept as they are (a call, a list of paths); ``l_…`` sentences joined by ``; `` and ``c_…`` items joined by
    ``, ``, each translated in turn; ``q_…`` any text, quoted as it is (a library's own message); any other
    one value without spaces (a shape, a name, ``in_features=400``)."""
    if name == "n" or name.startswith("n_"):
        return r"-?[\d,]+(?:\.\d+)?"
    if name.startswith("t_"):
        return r"(?:[^:]|:(?=\S))+?"  # no "prefix: " inside
    if name.startswith("w_"):
        return r"[^;]+?"
    if name.startswith(("l_", "c_", "q_")):
        return r".+?"
    return r"\S+?"


def _field_value(name: str, value: str, lang: str, depth: int) -> str:
    if name.startswith("t_"):
        return _translate(value, lang, depth + 1)
    if name.startswith("l_"):
        return "; ".join(_translate(p, lang, depth + 1) for p in value.split("; "))
    if name.startswith("c_"):
        return ", ".join(_translate(p, lang, depth + 1) for p in _items(value))
    return value


def _items(text: str) -> list[str]:
    """``a (b, c), d`` → ``a (b, c)``, ``d``: split at the commas outside brackets."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and text[i + 1:i + 2] == " ":
            out.append(text[start:i])
            start = i + 2
    return out + [text[start:]]


def _by_template(text: str, lang: str, depth: int, *, loose: bool) -> str | None:
    for piece, pattern, msgstr, starts_with_field, worded in _templates(lang):
        if starts_with_field != loose or piece not in text:
            continue
        m = _compiled(pattern).fullmatch(text)
        if m and all(_balanced(v) for v in m.groupdict().values()):
            values = {k: _field_value(k, v, lang, depth) for k, v in m.groupdict().items()}
            if any(values[k] == v and _english(k, v) for k, v in m.groupdict().items() if k in worded):
                continue  # English words the template cannot translate: it is the wrong template
            try:
                return msgstr.format(**values)
            except (KeyError, IndexError, ValueError):
                continue
    return None


_CODE = r" \[[a-z][a-z0-9-]*\]$"
_QUOTED = r"(?<![A-Za-z])'[^']*'(?![A-Za-z])|`[^`]*`"
_WORD = r"(?<![\w.'`(\[-])[a-z]{2,}(?![\w'`(\[.-])"  #: an English word, not an identifier
_WORDS = r"(?<![\w.'`(\[-])[a-z]{2,} [a-z]{2,}(?![\w'`(\[.-])"  #: two of them in a row
#: a spec path before a message without a type: ``layers[0].branches[0][1] unknown layer type 'x'``
_PATH = r"(?s)^(?P<path>[A-Za-z_]\w*(?:\.\w+|\[\d+\]|\.…\(\+\d+\)…)*\[\d+\](?:\.\w+|\[\d+\])*) (?P<rest>.+)$"
_WITHIN = r"(?s)^(?P<body>.*?)(?P<within> \(in [^()]*›?[^()]*\))$"


def _english(field: str, value: str) -> bool:
    """Whether a field's value left as it is would be English: a t_ field's two words or more (not a name, a
    shape, ``layers[3]``), a w_ field's two words in a row (``the arguments of``, not ``unet › dec``)."""
    value = re.sub(_QUOTED, "", value)
    if field.startswith("t_"):
        return len(re.findall(_WORD, value)) >= 2
    return re.search(_WORDS, value) is not None


def _balanced(value: str) -> bool:
    """A field's value never leaves a bracket open: ``(28 + 2·0 − 5`` is half of the message's own
    parentheses, not a value. A quoted bracket (``'(' is never closed``) is a value's own."""
    depth = 0
    for ch in re.sub(_QUOTED, "", value) if "'" in value or "`" in value else value:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def translate(text: str | None) -> str | None:
    """An English message composed elsewhere, in the current language (unchanged in English, or when
    no catalog entry fits)."""
    if not text or language() == "en":
        return text
    return _translate(text, language(), 0)


def _translate(text: str, lang: str, depth: int) -> str:
    """``text`` by the first of: its catalog entry; a template of the catalog that starts with words; the
    same without the spec path before it, without the blocks it sits in, or split at its first ``: `` (each
    side in turn); a template that starts with a field; its sentences (``; ``, `` — ``) one by one."""
    if not text:
        return text
    catalog = _catalog(lang)
    exact = catalog.gettext(text)
    if exact != text or depth > 12:
        return exact
    code = re.search(_CODE, text)  # "… [inexact-division]": a stable code, never translated
    if code and code.start() > 0:
        body = _translate(text[:code.start()], lang, depth + 1)
        return body + code.group(0)
    # templates that start with words first; those that start with a field ("{a} gives {x} but …") match
    # almost anything, so only once the prefix ("layers[3] conv2d: ") is off
    done = _by_template(text, lang, depth, loose=False)
    if done is not None:
        return done
    path = re.match(_PATH, text)  # "layers[1] unknown layer type 'rleu'"
    if path:
        rest = _translate(path.group("rest"), lang, depth + 1)
        if rest != path.group("rest"):
            return f"{path.group('path')} {rest}"
    within = re.match(_WITHIN, text)  # "… (in Mixed_7a › branch3x3_2)": the named blocks (or the call) it sits in
    if within and within.group("body"):
        body = _translate(within.group("body"), lang, depth + 1)
        if body != within.group("body"):
            return body + _translate(within.group("within").lstrip(), lang, depth + 1)
    if "; " in text:  # several sentences, each a template of its own: when every one translates
        pieces = text.split("; ")
        done = [_translate(p, lang, depth + 1) for p in pieces]
        if all(d != p for d, p in zip(done, pieces)):
            return "; ".join(done)
    head, sep, tail = text.partition(": ")  # "layers[3] conv2d: …", "--input: …", "what is unknown: why"
    if sep:
        rest = _translate(tail, lang, depth + 1)
        first = _translate(head, lang, depth + 1) if re.search("[a-z]{2,}", head) else head
        if rest != tail or first != head:
            return f"{first}: {rest}"
    done = _by_template(text, lang, depth, loose=True)
    if done is not None:
        return done
    for sep in ("; ", " — "):  # messages joined from several sentences
        if sep in text:
            pieces = text.split(sep)
            done = [_translate(p, lang, depth + 1) for p in pieces]
            if done != pieces:
                return sep.join(done)
    return text


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: a wide (CJK) or full-width character two, others one."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def label(word: str) -> str:
    """A heading or short label (a table's column header, ``error``, ``warning``): its translation."""
    return _(word) if word else word
