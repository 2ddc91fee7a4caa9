"""Formats for CI: GitHub Actions annotations and JUnit XML. Standard library only.

* ``--format github`` writes one workflow command per finding —
  ``::error file=models/net.yaml,line=12,title=convcalc inexact-division::layers[3] conv2d: …`` —
  which the Actions runner shows on the file's line in the pull request, then the usual one-line
  verdicts. Values are escaped as the runner's toolkit does (``%``, CR, LF; and ``:`` ``,`` in properties).
* ``--format junit`` writes JUnit XML as Jenkins' ``junit-10.xsd`` (and GitLab, Azure, the Actions
  test reporters) read it: ``<testsuites>`` with one ``<testsuite>`` per model and one ``<testcase>``
  per check — ``valid`` and each budget — with ``<failure>`` for a missed check, ``<error>`` for an
  unusable file, warnings in ``<system-err>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, file: str | None = None, line: int | None = None,
               title: str | None = None) -> str:
    """One workflow command: ``::error file=…,line=…,title=…::message`` (level: error, warning or notice)."""
    props = []
    if file:
        props.append(f"file={_property(file)}")
    if line:
        props.append(f"line={line}")
    if title:
        props.append(f"title={_property(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{_data(message)}"


@dataclass
class Case:
    """One JUnit test case: a check of one model."""

    name: str
    failure: str | None = None  #: the message when the check failed
    kind: str = "failure"  #: failure, or error (an unusable file)
    detail: str = ""


@dataclass
class Suite:
    """One model's checks."""

    name: str
    cases: list[Case] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)  #: warnings
    file: str | None = None


def junit(suites: list[Suite], name: str = "convcalc") -> str:
    """JUnit XML for ``suites`` (see the module docstring)."""
    from xml.sax.saxutils import escape, quoteattr  # here: it imports urllib and http (28 ms) for every check

    def count(kind: str, cases) -> int:
        return sum(1 for c in cases if c.failure is not None and c.kind == kind)

    every = [c for s in suites for c in s.cases]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name={quoteattr(name)} tests="{len(every)}" failures="{count("failure", every)}" '
           f'errors="{count("error", every)}" time="0">']
    for i, s in enumerate(suites):
        attrs = (f'name={quoteattr(s.name)} tests="{len(s.cases)}" failures="{count("failure", s.cases)}" '
                 f'errors="{count("error", s.cases)}" skipped="0" time="0" id="{i}"')
        if s.file:
            attrs += f" file={quoteattr(s.file)}"
        out.append(f"  <testsuite {attrs}>")
        for c in s.cases:
            head = f'    <testcase name={quoteattr(c.name)} classname={quoteattr("convcalc." + s.name)} time="0"'
            if c.failure is None:
                out.append(head + "/>")
                continue
            out.append(head + ">")
            out.append(f"      <{c.kind} message={quoteattr(c.failure)} type={quoteattr(c.name)}>"
                       f"{escape(c.detail or c.failure)}</{c.kind}>")
            out.append("    </testcase>")
        if s.stderr:
            out.append(f"    <system-err>{escape(chr(10).join(s.stderr))}</system-err>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
