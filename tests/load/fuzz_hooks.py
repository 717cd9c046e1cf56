"""schemathesis hooks, global once imported: the pytest run imports this module, the CLI run of
`make fuzz` loads it through tests/load/schemathesis.toml."""

from __future__ import annotations

from typing import Any

import schemathesis
import yaml
from schemathesis.core import media_types

from app.security.inflight import TRUE
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
    if query and is_watch(query):
        return {**query, "timeoutSeconds": 1}
    if query and "destination" in query and ("rate" in query or "requests" in query):
        return _short_stream(query)
    return query


def is_watch(query: dict[str, Any] | None) -> bool:
    """Whether the server takes the request for a watch: any spelling of true its `watch`
    parameter accepts (on, yes, t, …), as the read limiter decides (inflight.TRUE). A negative
    case may repeat the parameter (a list here): the first one counts, as in kube-apiserver
    (app/api/kube_query.py)."""
    return str(_one((query or {}).get("watch", ""), 0)).strip().lower() in TRUE


def _number(value: Any, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def _one(value: Any, which: int) -> Any:
    """The value the server reads from a repeated parameter (a list here): the first on /k8s
    (kube-apiserver's), the last elsewhere (FastAPI's)."""
    if isinstance(value, list | tuple):
        return value[which] if value else None
    return value


def _short_stream(query: dict[str, Any]) -> dict[str, Any]:
    """The live traffic stream is paced at `rate` (as slow as one request in 100 s): keep a
    valid rate and request count valid but quick, so every answer ends within the timeout."""
    bounded = dict(query)
    if _number(_one(query.get("rate", 20.0), -1), 0.01, 1000):
        bounded["rate"] = 1000
    requests = _one(query.get("requests", 100), -1)
    if _number(requests, 1, 10_000_000):
        bounded["requests"] = min(int(requests), 50)
    return bounded
