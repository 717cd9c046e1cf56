"""Loading YAML someone pasted, without letting it take the server down.

yaml.safe_load already refuses arbitrary Python objects, but a "billion laughs" document
(aliases of aliases) composes into a small graph that explodes when anything walks it, deep
nesting exhausts the stack, and a long flat document keeps the pure-Python parser busy for
seconds. So a document is read in two passes, both with libyaml's C parser when PyYAML has it:

1. the parse events are counted as they stream out of the parser (nodes, aliases, nesting
   depth) and the first one past a limit stops the read at once, so a refusal costs at most
   MAX_NODES events (well under a second) however long the document;
2. only a document within the limits is composed (in C) and constructed into Python values,
   after checking how far its aliases would expand it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
)

MAX_CHARS = 4 * 1024 * 1024
MAX_NODES = 50_000
"""Scalars, sequences, mappings and aliases in one document: a Service has some 40."""
MAX_STREAM_NODES = 500_000
"""The same in the whole stream: a 500-object manifest has some 20,000, so this admits the
10,000-object import the store is measured with (about 400,000)."""
MAX_ALIASES = 1000
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser and composer where PyYAML was built with it, else the Python ones."""


class YamlError(ValueError):
    """A document that cannot be read; the message says where, for a 400 or an inline error."""


def _check_limits(text: str) -> None:
    """Stream the parse events and stop at the first limit passed (the first pass)."""
    nodes = total = aliases = depth = 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, DocumentStartEvent):
            nodes = 0
        if isinstance(event, NodeEvent):
            nodes += 1
            total += 1
            if nodes > MAX_NODES:
                raise YamlError(f"the document has more than {MAX_NODES} YAML nodes")
            if total > MAX_STREAM_NODES:
                raise YamlError(f"the documents have more than {MAX_STREAM_NODES} YAML nodes")
            if isinstance(event, AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlError(f"the document uses more than {MAX_ALIASES} YAML aliases")
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(f"the document is nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


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
    if len(text) > MAX_CHARS:
        raise YamlError(f"the document is longer than {MAX_CHARS} characters")
    try:
        _check_limits(text)
        loader = LOADER(text)  # the reader refuses control characters here already
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
