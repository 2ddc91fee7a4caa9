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
value without spaces (a shape, a name), ``{w_x}`` several words, and ``{t_x}`` words that are
translated in turn — else the text after a ``layers[3] conv2d: `` prefix, else the English as it is.
"""

from __future__ import annotations

import gettext
import os
import re
from functools import cache
from pathlib import Path

DOMAIN = "convcalc"
LOCALE_DIR = Path(__file__).parent / "locale"
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


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalog has no entry)."""
    return _catalog(language()).gettext(message)


# -- messages composed in English elsewhere ----------------------------------------------------

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@cache
def _templates(lang: str) -> tuple[tuple[re.Pattern, str], ...]:
    """The catalog's msgids with ``{fields}``, as patterns, most literal text first."""
    catalog = getattr(_catalog(lang), "_catalog", {})
    found = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid or "{" not in msgid or not msgstr:
            continue
        parts = _FIELD.split(msgid)
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
        found.append((len(literal), re.compile("".join(pattern), re.DOTALL), msgstr, msgid.startswith("{")))
    found.sort(key=lambda t: -t[0])
    return tuple((p, s, loose) for _, p, s, loose in found)


def _field_pattern(name: str) -> str:
    """What a field may hold, by its name: ``n`` a number; ``t_…`` words translated in turn; ``w_…`` words
    (a call, a list of paths); any other one value without spaces (a shape, a name, ``in_features=400``)."""
    if name == "n" or name.startswith("n_"):
        return r"-?[\d,]+(?:\.\d+)?"
    if name.startswith("t_"):
        return r"[^:]+?"
    if name.startswith("w_"):
        return r"[^;]+?"
    return r"\S+?"


def _by_template(text: str, lang: str, depth: int, *, loose: bool) -> str | None:
    for pattern, msgstr, starts_with_field in _templates(lang):
        if starts_with_field != loose:
            continue
        m = pattern.fullmatch(text)
        if m and all(_balanced(v) for v in m.groupdict().values()):
            values = {k: (_translate(v, lang, depth + 1) if k.startswith("t_") else v)
                      for k, v in m.groupdict().items()}
            try:
                return msgstr.format(**values)
            except (KeyError, IndexError, ValueError):
                continue
    return None


_CODE = re.compile(r" \[[a-z][a-z0-9-]*\]$")


def _balanced(value: str) -> bool:
    """A field's value never leaves a bracket open: ``(28 + 2·0 − 5`` is half of the message's own
    parentheses, not a value."""
    depth = 0
    for ch in value:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


_WITHIN = re.compile(r"^(?P<body>.*?)(?P<within> \(in [^()]*›?[^()]*\))$", re.DOTALL)


def translate(text: str | None) -> str | None:
    """An English message composed elsewhere, in the current language (unchanged in English, or when
    no catalog entry fits)."""
    if not text or language() == "en":
        return text
    return _translate(text, language(), 0)


def _translate(text: str, lang: str, depth: int) -> str:
    catalog = _catalog(lang)
    exact = catalog.gettext(text)
    if exact != text or depth > 4:
        return exact
    code = _CODE.search(text)  # "… [inexact-division]": a stable code, never translated
    if code and code.start() > 0:
        body = _translate(text[:code.start()], lang, depth + 1)
        return body + code.group(0)
    # templates that start with words first; those that start with a field ("{a} gives {x} but …") match
    # almost anything, so only once the prefix ("layers[3] conv2d: ") is off
    done = _by_template(text, lang, depth, loose=False)
    if done is not None:
        return done
    within = _WITHIN.match(text)  # "… (in Mixed_7a › branch3x3_2)": the named blocks it sits in
    if within and within.group("body"):
        body = _translate(within.group("body"), lang, depth + 1)
        if body != within.group("body"):
            return body + within.group("within")
    head, sep, tail = text.partition(": ")  # "layers[3] conv2d: …", "--input: …"
    if sep and tail:
        rest = _translate(tail, lang, depth + 1)
        if rest != tail:
            return f"{head}: {rest}"
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
