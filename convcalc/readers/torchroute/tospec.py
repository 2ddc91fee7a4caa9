"""A :class:`~.trace.Trace` → convcalc's plain spec data, the same data a YAML spec holds.

* Each recorded op becomes one element: a layer kind with the module's own arguments, a merge, a tensor
  op, or ``opaque`` with torch's measured numbers (:mod:`.measured`). A module called again is
  ``{share: …}`` (its parameters counted once). Every element convcalc has a formula for is checked
  against what torch measured (output shapes, parameters, buffers, MACs of convs and linears); where they
  differ, torch's numbers are kept as ``opaque`` and a warning says so (an engine bug to report).
* Elements are nested as the modules are: a non-leaf module's call is a ``sequential`` block named as the
  attribute, so node ids are torch's module names (``layer1.0.conv1``); a ``ModuleList`` or ``ModuleDict``
  that is never called itself is a block too, and the ops between its members' calls are put inside it.
* Each element reads what the op read: ``from:`` where it is not the element before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ... import layers as L
from ...errors import ConvcalcError, SpecError
from . import mapping
from .trace import Op, Ref, Trace


@dataclass
class Element:
    op: Op
    item: dict  #: the spec item without name/from (``{share: …}`` for a reused module)
    reads: list[Ref]  #: graph tensors it reads, in order
    path: list[tuple] = field(default_factory=list)  #: enclosing blocks: ("virtual"|"call", qualname, call)
    word: str = ""  #: its name in its list
    node_id: str = ""
    share_of: "Element | None" = None
    opaque: bool = False


@dataclass
class Group:
    component: tuple
    children: list  #: Elements and Groups
    word: str = ""
    node_id: str = ""
    input: Ref | None = None  #: the tensor the block reads


class _Collision(Exception):
    """A name that would not resolve to the tensor meant from where it is read: lay the network out flat."""


def _label(op: Op) -> str:
    """How an opaque element names what torch ran: ``nn.LSTM``, ``torch.matmul``, ``Tensor.exp``, ``Gate``."""
    if op.kind == "module":
        cls = type(op.target)
        return f"nn.{cls.__name__}" if cls.__module__.startswith("torch.nn.") else cls.__name__
    target = op.target
    if isinstance(target, str):
        return f"Tensor.{target}"
    module = getattr(target, "__module__", None) or ""
    qualname = getattr(target, "__qualname__", "") or getattr(target, "__name__", "") or op.name
    if module == "_operator" or module == "operator":
        return f"operator.{op.name}"
    if module.startswith("torch.nn.functional"):
        return f"F.{op.name}"
    if qualname.startswith(("TensorBase.", "Tensor.")) or module is None:
        return f"Tensor.{op.name}"
    return f"torch.{op.name}"


class Converter:
    def __init__(self, trace: Trace, name: str):
        self.trace = trace
        self.name = name
        self.notes: list[tuple[str | None, str]] = []
        self.elements: list[Element] = []
        self.by_op: dict[int, Element] = {}
        self.alias: dict[int, Ref] = {}
        self.counted_params: set[int] = set()
        self.counted_buffers: set[int] = set()
        self.first_call: dict[int, Element] = {}
        self.disagreements: list[str] = []
        self.unreadable: list[str] = []

    # -- refs ------------------------------------------------------------------
    def canon(self, ref: Ref) -> Ref:
        while ref.op >= 0 and ref.op in self.alias:
            ref = self.alias[ref.op]
        return ref

    def shape_of(self, ref: Ref) -> tuple[int, ...]:
        if ref.op < 0:
            return self.trace.inputs[-1 - ref.op][1]
        op = self.trace.ops[ref.op]
        return op.outputs[ref.leaf or 0]

    # -- ops → elements ----------------------------------------------------------
    def convert(self) -> None:
        for op in self.trace.ops:
            self.check_batch(op)
            if op.kind == "module":
                element = self.module_element(op)
            else:
                element = self.function_element(op)
            if element is None:
                continue
            self.elements.append(element)
            self.by_op[op.index] = element

    def check_batch(self, op: Op) -> None:
        for shape in [*op.input_shapes, *op.outputs]:
            if len(shape) < 2 or shape[0] != 1:
                what = "a tensor with no dim besides the batch" if len(shape) == 1 and shape[0] == 1 else \
                    f"{'x'.join(map(str, shape)) or 'a scalar'} for a batch of 1"
                raise SpecError(f"{self.where(op)}: {_label(op)} gives {what}; convcalc follows one sample through "
                                "tensors whose first dim is the batch",
                                hint="keep the batch dim first (x.flatten(1), x.view(x.size(0), -1), "
                                     "x.mean(dim=(2, 3)))")

    def where(self, op: Op) -> str:
        scope = op.scope[-1][0] + "." if op.scope else ""
        return op.name if op.kind == "module" else f"{scope}{op.name}"

    def module_element(self, op: Op) -> Element:
        module = op.target
        reads = [self.canon(r) for r in op.inputs]
        first = self.first_call.get(id(module))
        if first is not None:
            if not first.opaque:
                return Element(op=op, item={"share": None}, reads=reads, share_of=first)
            return self.opaque(op, reads, 0, 0)
        params = {id(p): p for p in module.parameters()}
        buffers = {id(b): b for b in module.buffers()}
        new_params = {k: p for k, p in params.items() if k not in self.counted_params}
        new_buffers = {k: b for k, b in buffers.items() if k not in self.counted_buffers}
        self.counted_params |= set(params)
        self.counted_buffers |= set(buffers)
        n_params = sum(p.numel() for p in new_params.values())
        n_buffers = sum(b.numel() for b in new_buffers.values())
        trainable = not params or any(p.requires_grad for p in params.values())
        item = mapping.module_item(module)
        if item is not None and len(new_params) == len(params) and len(new_buffers) == len(buffers):
            if not trainable:
                item["trainable"] = False
            problem = self.disagreement(item, op, reads, n_params, n_buffers)
            if problem is None:
                element = Element(op=op, item=item, reads=reads)
                self.first_call[id(module)] = element
                return element
            self.disagreements.append(f"{op.name} ({_label(op)}): {problem}")
        elif item is not None:
            self.notes.append((None, f"{op.name} ({_label(op)}) shares parameters with a module before it: "
                                     "counted once, there"))
        element = self.opaque(op, reads, n_params, n_buffers, trainable)
        self.first_call[id(module)] = element
        return element

    def function_element(self, op: Op) -> Element | None:
        reads = [self.canon(r) for r in op.inputs]
        params = {p for c in op.consts for p in c.params} - self.counted_params
        buffers = {b for c in op.consts for b in c.buffers} - self.counted_buffers
        self.counted_params |= params
        self.counted_buffers |= buffers
        n_params = sum(self.trace.params[p][1] for p in params)
        n_buffers = sum(self.trace.buffers[b][1] for b in buffers)
        item = mapping.function_item(op)
        if item == "alias":
            self.alias[op.index] = reads[0]
            return None
        if isinstance(item, dict):
            if item["type"] in ("add", "sub", "mul", "concat"):
                reads = [self.canon(r) for r in mapping.merge_inputs(op)]
                if item["type"] == "concat":
                    item["dim"] = mapping.merge_dim(op)
            problem = self.disagreement(item, op, reads, 0, 0)
            if problem is None:
                return Element(op=op, item=item, reads=reads)
        return self.opaque(op, reads, n_params, n_buffers, True)

    def opaque(self, op: Op, reads: list[Ref], params: int, buffers: int, trainable: bool = True) -> Element:
        outs = [list(o[1:]) for o in op.outputs]
        ins = [list(self.shape_of(r)[1:]) for r in reads]
        item: dict[str, Any] = {"type": "opaque" if len(reads) <= 2 else "opaque-merge", "op": _label(op),
                                "input_shapes": ins, "output_shape": outs[0]}
        if not op.single:
            item["outputs"] = outs
        if params:
            item["params"] = params
        if buffers:
            item["buffers"] = buffers
        if op.flops:
            item["macs"] = op.flops // 2
        if not trainable:
            item["trainable"] = False
        same = len(ins) == 1 and len(outs) == 1 and outs[0] == ins[0]
        sliced = op.name == "getitem" and len(ins) == 1 and len(outs[0]) == len(ins[0]) and outs[0][1:] == ins[0][1:]
        if (same and op.pointwise) or sliced:
            item["elementwise"] = True
        return Element(op=op, item=item, reads=reads, opaque=True)

    def disagreement(self, item: dict, op: Op, reads: list[Ref], params: int, buffers: int) -> str | None:
        """What convcalc's formula for ``item`` gives that torch did not measure (None when they agree)."""
        from ...build import from_data

        shapes = [self.shape_of(r)[1:] for r in reads]
        names = [f"x{i}" for i in range(len(reads))]
        data = {"inputs": {n: list(s) for n, s in zip(names, shapes)},
                "layers": [{**item, "from": names if len(names) > 1 else names[0]}]}
        try:
            layer = from_data(data, origin="torch").nodes[0].layer
            if getattr(layer, "MANY", False) or len(shapes) > 1:
                effect = layer.apply_many([tuple(s) for s in shapes], names)
            else:
                effect = layer.apply(tuple(shapes[0]))
        except ConvcalcError as exc:
            if isinstance(exc, SpecError):
                self.unreadable.append(f"{self.where(op)} ({_label(op)}): {exc}")
            return f"convcalc refuses it ({exc})"
        ours = [tuple(s) for s in (effect.outputs or (effect.output_shape,))]
        theirs = [tuple(o[1:]) for o in op.outputs]
        if ours != theirs:
            return (f"convcalc's output {', '.join(L.dims(s) for s in ours)}, torch's "
                    f"{', '.join(L.dims(s) for s in theirs)}")
        if effect.params != params:
            return f"convcalc counts {effect.params:,} parameters, torch holds {params:,}"
        if effect.buffers != buffers:
            return f"convcalc counts {effect.buffers:,} buffers, torch holds {buffers:,}"
        weighted = item["type"] in L.Conv.TYPES or item["type"] in L.ConvTranspose.TYPES or item["type"] == "linear"
        if weighted and effect.macs != op.flops // 2:
            return f"convcalc counts {effect.macs:,} MACs, torch's FLOP counter {op.flops // 2:,}"
        return None

    # -- the tree --------------------------------------------------------------
    def paths(self) -> None:
        """Each element's enclosing blocks, from its module scope; ops between the members of a container
        that is never called (a ModuleList) are put inside it."""
        for element in self.elements:
            comps: list[tuple] = []
            prefix = ""
            for qualname, call in element.op.scope:
                comps += _virtual(prefix, qualname)
                comps.append(("call", qualname, call))
                prefix = qualname
            if element.op.kind == "module":
                comps += _virtual(prefix, element.op.name)
            element.path = comps
        # absorb ops that sit between two members of the same container
        for i, element in enumerate(self.elements):
            if element.op.kind == "module" or i == 0:
                continue
            before = self.elements[i - 1].path
            after = next((e.path for e in self.elements[i + 1:] if e.op.kind == "module" or e.path != element.path),
                         None)
            if after is None:
                continue
            common = _common(before, after)
            own = element.path
            if len(common) > len(own) and common[:len(own)] == own and all(c[0] == "virtual" for c in common[len(own):]):
                element.path = list(common)

    def tree(self, elements: list[Element], depth: int) -> list:
        out: list = []
        i = 0
        while i < len(elements):
            element = elements[i]
            if len(element.path) <= depth:
                out.append(element)
                i += 1
                continue
            component = element.path[depth]
            j = i
            while j < len(elements) and len(elements[j].path) > depth and elements[j].path[depth] == component:
                j += 1
            out.append(Group(component=component, children=self.tree(elements[i:j], depth + 1)))
            i = j
        return out

    def assign_names(self, items: list, prefix: str, flat: bool) -> None:
        """Give every element and block its word in its list, and its node id."""
        used: set[str] = set()
        for item in items:
            if isinstance(item, Group):
                word = item.component[1].rsplit(".", 1)[-1]
            else:
                word = self.words[item.op.index]
                if flat and item.op.kind == "module":
                    word = word.replace(".", "_")
            word = re.sub(r"[\s.\[\]]", "_", word) or "op"
            base, n = word, 1
            while word in used or word in self.input_names:
                word = f"{base}_{n}"
                n += 1
            used.add(word)
            item.word = word
            item.node_id = f"{prefix}.{word}" if prefix else word
            if isinstance(item, Group):
                self.assign_names(item.children, item.node_id, flat)

    def base_words(self) -> None:
        """A module's attribute name; an op's function name. A name taken in the same list gets ``_1``, ``_2``
        (a module called again, the second ``add`` of a block), as fx numbers its nodes."""
        self.words: dict[int, str] = {}
        for element in self.elements:
            op = element.op
            if op.kind == "module":
                last = op.name
                if op.scope:
                    scope = op.scope[-1][0]
                    if last.startswith(scope + "."):
                        last = last[len(scope) + 1:]
                self.words[op.index] = last.rsplit(".", 1)[-1]
            else:
                self.words[op.index] = op.name

    def flat_paths(self) -> None:
        for element in self.elements:
            element.path = []
            if element.op.kind == "module":
                self.words[element.op.index] = element.op.name.replace(".", "_")

    # -- emitting ----------------------------------------------------------------
    def emit(self, items: list, outer: list, group: Group | None, reads_before: Ref | None) -> list[dict]:
        """Spec data for one list. ``outer`` holds the enclosing lists as (local names → item, their block),
        innermost first; ``group`` is the block this list belongs to; ``reads_before`` is what its first element
        reads by default."""
        local: dict[str, Any] = {}
        scopes = [(local, group), *outer]
        out: list[dict] = []
        previous = reads_before
        for item in items:
            if isinstance(item, Group):
                first = self.first_read(item)
                item.input = first
                data: dict[str, Any] = {"type": "sequential", "name": item.word}
                if first != previous:
                    data["from"] = self.ref_text(first, scopes)
                data["layers"] = self.emit(item.children, scopes, item, first)
                previous = self.last_result(item)
            else:
                data = self.element_data(item, scopes, previous)
                previous = self.result_of(item)
            out.append(data)
            local[item.word] = item
        return out

    def element_data(self, element: Element, scopes, previous: Ref | None) -> dict:
        if element.share_of is not None:
            data: dict[str, Any] = {"share": self.id_text(element.share_of, scopes), "name": element.word}
        else:
            data = {"type": element.item["type"], "name": element.word,
                    **{k: v for k, v in element.item.items() if k != "type"}}
        if element.reads != [previous]:
            texts = [self.ref_text(r, scopes) for r in element.reads]
            data["from"] = texts[0] if len(texts) == 1 else texts
        return data

    def first_read(self, group: Group) -> Ref:
        inside = {e.op.index for e in _elements(group)}
        for element in _elements(group):
            for ref in element.reads:
                if ref.op < 0 or ref.op not in inside:
                    return ref
        return _elements(group)[0].reads[0]

    def last_result(self, group: Group) -> Ref | None:
        last = group.children[-1]
        return self.last_result(last) if isinstance(last, Group) else self.result_of(last)

    def result_of(self, element: Element) -> Ref | None:
        return Ref(element.op.index) if element.op.single else None

    def ref_text(self, ref: Ref, scopes) -> str:
        if ref.op < 0:
            name = self.input_names[-1 - ref.op]
            self.check_word(name, scopes, None)
            return name
        element = self.by_op[ref.op]
        text = self.id_text(element, scopes)
        return text if ref.leaf is None else f"{text}[{ref.leaf}]"

    def id_text(self, element: Element, scopes) -> str:
        """How to name ``element`` from the innermost list of ``scopes`` so that the builder finds it."""
        local, group = scopes[0]
        if local.get(element.word) is element:
            return element.word
        if group is not None and group.input == Ref(element.op.index) and element.op.single:
            return "input"
        if "." in element.node_id:
            return element.node_id
        self.check_word(element.node_id, scopes, element)
        return element.node_id

    def check_word(self, word: str, scopes, element: Element | None) -> None:
        """A top-level word read from inside blocks: no list in between may hold the same word, and ``input``
        means the block's own input there."""
        inner = scopes[:-1]
        if word == "input" and any(g is not None for _, g in scopes):
            raise _Collision(word)
        for local, _ in inner:
            if word in local and local[word] is not element:
                raise _Collision(word)

    # -- everything ---------------------------------------------------------------
    def spec(self) -> dict:
        self.convert()
        self.input_names = self.names_of_inputs()
        self.base_words()
        try:
            self.paths()
            data = self.layout(flat=False)
        except _Collision:
            self.flat_paths()
            data = self.layout(flat=True)
        self.summarise()
        return data

    def names_of_inputs(self) -> list[str]:
        names = []
        for name, _ in self.trace.inputs:
            word = re.sub(r"\W", "_", name) or "x"
            while word in names:
                word += "_"
            names.append(word)
        return names

    def layout(self, flat: bool) -> dict:
        if not self.elements:
            raise SpecError(f"{self.name}: forward() computes nothing from its input convcalc can follow")
        items = self.tree(self.elements, 0)
        self.assign_names(items, "", flat)
        first = self.canon(Ref(-1))
        layers = self.emit(items, [], None, first)
        outputs = [self.canon(r) for r in self.trace.outputs]
        data: dict[str, Any] = {"name": self.name,
                                "inputs": {n: list(s[1:]) for n, (_, s) in zip(self.input_names, self.trace.inputs)},
                                "layers": layers}
        last = items[-1]
        last_ref = self.last_result(last) if isinstance(last, Group) else self.result_of(last)
        if outputs != [last_ref]:
            texts = []
            for ref in outputs:
                if ref.op < 0:
                    texts.append(self.input_names[-1 - ref.op])
                else:
                    element = self.by_op[ref.op]
                    texts.append(element.node_id + ("" if ref.leaf is None else f"[{ref.leaf}]"))
            data["outputs"] = texts
        return data

    def summarise(self) -> None:
        opaque = [e for e in self.elements if e.opaque and e.share_of is None]
        unknown = [e for e in opaque if not e.item.get("elementwise")]
        if opaque:
            kinds: dict[str, list[str]] = {}
            for e in opaque:
                kinds.setdefault(e.item["op"], []).append(e.node_id)
            listed = "; ".join(f"{op} ({', '.join(ids[:3])}{', …' if len(ids) > 3 else ''})" if len(ids) == 1 or
                               len(ids) <= 3 else f"{len(ids)} × {op} ({', '.join(ids[:3])}, …)"
                               for op, ids in list(kinds.items())[:6])
            more = f"; and {len(kinds) - 6} more kinds" if len(kinds) > 6 else ""
            line = (f"{len(opaque)} step{'s' if len(opaque) != 1 else ''} convcalc has no formula for, taken as torch "
                    f"measured {'them' if len(opaque) != 1 else 'it'} (output shape, parameters, buffers, MACs): "
                    f"{listed}{more}")
            if unknown:
                line += f"; the receptive field is unknown from {unknown[0].node_id} on"
            self.notes.append((None, line))
        for text in self.disagreements:
            self.notes.append((None, f"convcalc and torch disagree on {text}: torch's numbers are used (a convcalc "
                                     "bug: please report it)"))
        unused = [(name, n) for pid, (name, n, _) in self.trace.params.items() if pid not in self.counted_params]
        unused_buffers = [(name, n) for bid, (name, n) in self.trace.buffers.items() if bid not in self.counted_buffers]
        if unused or unused_buffers:
            owners: list[str] = []
            for name, _ in unused + unused_buffers:
                owner = name.rsplit(".", 1)[0] if "." in name else name
                if owner not in owners:
                    owners.append(owner)
            shown = ", ".join(owners[:4]) + (", …" if len(owners) > 4 else "")
            count = sum(n for _, n in unused)
            what = f"{count:,} parameters" + (f" and {sum(n for _, n in unused_buffers):,} buffer elements"
                                              if unused_buffers else "")
            self.notes.append((None, f"forward() does not use {what} the model holds ({shown}): not counted"))


def _virtual(prefix: str, qualname: str) -> list[tuple]:
    """The containers between a module's qualified name and the enclosing call's (``blocks`` of ``blocks.0``)."""
    rel = qualname[len(prefix) + 1:] if prefix and qualname.startswith(prefix + ".") else qualname
    parts = rel.split(".")[:-1]
    out = []
    base = prefix if prefix and qualname.startswith(prefix + ".") else ""
    for part in parts:
        base = f"{base}.{part}" if base else part
        out.append(("virtual", base, 0))
    return out


def _common(a: list, b: list) -> list:
    out = []
    for x, y in zip(a, b):
        if x != y:
            break
        out.append(x)
    return out


def _elements(group: Group) -> list[Element]:
    out = []
    for child in group.children:
        out += _elements(child) if isinstance(child, Group) else [child]
    return out


def to_spec(trace: Trace, name: str) -> tuple[dict, list[tuple[str | None, str]]]:
    converter = Converter(trace, name)
    data = converter.spec()
    return data, converter.notes
