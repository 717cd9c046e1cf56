"""What the simulator functions answer: a routed request, and a simulation's statistics.

The core builds these as plain dicts (app/core/network/path.py `Path.to_dict`,
app/core/simulation/stats.py and simulate.py); the models say their shape for the OpenAPI
document and check it on the way out. Numbers a client sent keep their JSON form
(`Number`): a rate of 5 comes back as 5, not 5.0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Number = int | float
Outcome = Literal["delivered", "dropped", "rejected", "unreachable"]


class Choice(BaseModel):
    target: str
    probability: float


class RouteHop(BaseModel):
    """One hop and why the request went on from it as it did (the rule it matched)."""

    kind: str
    name: str
    node: str | None
    address: str
    src: str
    dst: str
    rule: str | None
    probability: float
    reason: str
    choices: list[Choice]


class RoutedPod(BaseModel):
    namespace: str
    name: str
    node: str


class RoutedPath(BaseModel):
    """One request hop by hop: client, load balancer, node, Service, pod; when it is not
    delivered, `reason` says why and `instead` what would work."""

    outcome: Outcome
    reason: str
    hops: list[RouteHop]
    pod: RoutedPod | None
    instead: str | None = None


class RoutedRequests(RoutedPath):
    """The first request; with `requests` > 1, the same client's next ones in `repeated`."""

    repeated: list[RoutedPath] | None = None


class SampledRequest(RoutedPath):
    """A request of a simulation, kept whole: its path, when it left and from which client."""

    request: int
    t: float
    client: str
    affinity_hit: bool


class Outcomes(BaseModel):
    delivered: int
    dropped: int
    rejected: int
    unreachable: int


class SeriesPoint(BaseModel):
    """One time bucket from `t`, covering `seconds` (whole buckets; the last may be shorter
    or, joined with a short remainder, longer); `by_pod` is left out when the cluster has too
    many pods to list."""

    t: float
    seconds: float
    delivered: int
    dropped: int
    rejected: int
    unreachable: int
    cross_node: int
    affinity_hits: int
    by_pod: dict[str, int] | None = None
    by_node: dict[str, int]


class Explanation(BaseModel):
    """Why some requests of a run failed, what would work instead, and how many it was."""

    outcome: Outcome
    reason: str
    instead: str | None
    requests: int


class AppliedEvent(BaseModel):
    at: Number
    action: str
    request: int
    description: str


class SimulationResult(BaseModel):
    """Where many requests went, over simulated time, with the chi-square test of the spread."""

    total: int
    outcomes: Outcomes
    by_pod: dict[str, int]
    by_node: dict[str, int]
    by_lb_node: dict[str, int]
    cross_node: int
    affinity_hits: int
    expected_share: dict[str, float]
    chi_square: float
    degrees_of_freedom: int
    p_value: float
    bucket_seconds: float
    series: list[SeriesPoint]
    destination: str
    seed: int
    clients: int
    rate: Number
    duration: float
    engine: str
    events: list[AppliedEvent]
    pod_nodes: dict[str, str]
    sample: list[SampledRequest]
    explanations: list[Explanation] = []
