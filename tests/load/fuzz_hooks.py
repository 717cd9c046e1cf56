"""schemathesis hooks, global once imported: the pytest run imports this module, the CLI run of
`make fuzz` loads it through tests/load/schemathesis.toml."""

from __future__ import annotations

from typing import Any

import schemathesis
import yaml
from schemathesis.core import media_types

from tests.load.steering import steer


@schemathesis.hook
def map_path_parameters(_: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    return steer(path_parameters)


@schemathesis.deserializer(*media_types.YAML_MEDIA_TYPES)
def multi_document_yaml(_: Any, response: schemathesis.Response) -> Any:
    """The manifest export is several YAML documents; the built-in reader expects one."""
    documents = list(yaml.safe_load_all(response.content))
    return documents[0] if len(documents) == 1 else documents


@schemathesis.hook
def map_query(_: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """A watch streams until its timeout (kube-apiserver's default is 30-60 min): bound every
    generated watch to a second so it ends and its answer can be checked."""
    if query and str(query.get("watch", "")).lower() in {"true", "1"}:
        return {**query, "timeoutSeconds": 1}
    return query
