"""The `svcscope` console script."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app import cli_bulk


def _use_db(path: str | None) -> None:
    """--db PATH selects an SQLite file; it must be set before settings are first read."""
    if path:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(path).resolve()}"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _use_db(args.db)
    os.environ["HOST"], os.environ["PORT"] = args.host, str(args.port)
    if args.allowed_host:
        os.environ["SVCSCOPE_ALLOWED_HOSTS"] = ",".join(args.allowed_host)
    from app.main import create_app
    from app.settings import get_settings

    settings = get_settings()  # a nonsensical setting stops here, before the port is bound

    scheme = "https" if args.tls_cert else "http"
    print(f"svcscope: serving {scheme}://{args.host}:{args.port}", file=sys.stderr)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "ssl_certfile": args.tls_cert,
        "ssl_keyfile": args.tls_key,
        # The peer address is the client: X-Forwarded-For from a local process must not
        # choose which sign-in bucket it spends (app/security/ratelimit.py).
        "proxy_headers": False,
        # SIGTERM: watches end at once (app/db/follower.py); requests still running after
        # this are cancelled, so a long simulation never holds a stop.
        "timeout_graceful_shutdown": settings.SVCSCOPE_SHUTDOWN_SECONDS,
    }
    if args.workers > 1:
        _prepare_for_workers()
        uvicorn.run("app.main:create_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(), **options)
    return 0


def _prepare_for_workers() -> None:
    """Migrate and seed once, here, not in N workers racing each other at start-up; each
    worker then follows the change feed from the database (app/db/follower.py)."""
    from app.db.migrate import upgrade_to_head
    from app.services.clusters import seed_demo_clusters
    from app.settings import get_settings

    settings = get_settings()
    upgrade_to_head(settings.DATABASE_URL)
    if settings.SVCSCOPE_SEED:
        seed_demo_clusters()
    os.environ["SVCSCOPE_SEED"] = "false"


def cmd_seed(args: argparse.Namespace) -> int:
    _use_db(args.db)
    from app.db.migrate import upgrade_to_head
    from app.services.clusters import seed_demo_clusters
    from app.settings import get_settings

    upgrade_to_head(get_settings().DATABASE_URL)
    created = seed_demo_clusters(replace=args.replace)
    print("seeded: " + (", ".join(created) if created else "nothing (demo clusters exist)"))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _use_db(args.db)
    from app.db.migrate import upgrade_to_head
    from app.settings import get_settings

    upgrade_to_head(get_settings().DATABASE_URL)
    print("database is at the newest migration")
    return 0


def _session() -> Any:
    from app.db.migrate import upgrade_to_head
    from app.db.session import open_write_session
    from app.settings import get_settings

    upgrade_to_head(get_settings().DATABASE_URL)
    return open_write_session()


def cmd_export(args: argparse.Namespace) -> int:
    """Write a cluster's objects as multi-document YAML."""
    from app.core.apiserver.writes import ApiError
    from app.db import repo
    from app.services import manifests

    _use_db(args.db)
    with _session() as session:
        try:
            row = repo.get_cluster(session, args.cluster)
        except ApiError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        text = manifests.export_yaml(session=session, row=row, include_system=args.system)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def parse_source(text: str) -> Any:
    """`external`, `external:203.0.113.9`, `node:node-1` or `pod:default/frontend-abc`."""
    from app.core.network.routing import Source

    kind, _, rest = text.partition(":")
    if kind == "external":
        return Source.external(rest) if rest else Source.external()
    if kind == "node" and rest:
        return Source.node(rest)
    if kind == "pod" and rest:
        namespace, _, name = rest.rpartition("/")
        return Source.pod(namespace or "default", name)
    raise ValueError(
        f"cannot read source {text!r}: use external[:IP], node:NAME or pod:[NAMESPACE/]NAME"
    )


def cmd_route(args: argparse.Namespace) -> int:
    """Follow one request hop by hop and explain each decision."""
    import json

    from rich.console import Console
    from rich.markup import escape

    from app.core.apiserver.writes import ApiError
    from app.core.network.routing import RouteError, route
    from app.db import repo

    _use_db(args.db)
    try:
        source = parse_source(args.source)
        with _session() as session:
            state = repo.load_state(session, repo.get_cluster(session, args.cluster))
        path = route(state, source, args.destination, args.seed)
    except (ValueError, ApiError) as exc:
        message = exc.message if isinstance(exc, ApiError) else str(exc)
        kind = "route" if isinstance(exc, RouteError) else "error"
        print(f"{kind}: {message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(path.to_dict(), indent=2))
        return 0
    console = Console(highlight=False)
    console.print(f"[bold]{args.source} → {args.destination}[/bold] (seed {args.seed})")
    for number, hop in enumerate(path.to_dict()["hops"], start=1):
        probability = hop.get("probability")
        chance = f"  p={probability:.4g}" if isinstance(probability, float) else ""
        console.print(
            f"{number}. [bold]{hop['kind']}[/bold] {hop['name']}"
            f"  {hop.get('src') or ''} → {hop.get('dst') or ''}{chance}"
        )
        if hop.get("rule"):
            console.print(f"   rule: [cyan]{escape(hop['rule'])}[/cyan]")
        console.print(f"   {escape(hop.get('reason') or '')}")
    console.print(f"[bold]{path.outcome}[/bold]: {escape(path.reason)}")
    console.print(f"[green]instead:[/green] {escape(path.instead)}" if path.instead else "", end="")
    return 0 if path.outcome == "delivered" else 1


def cmd_rules(args: argparse.Namespace) -> int:
    """Print what kube-proxy writes on a node in the chosen (or the cluster's) mode."""
    from app.core.apiserver.writes import ApiError
    from app.db import repo
    from app.services.errors import UseCaseFailed
    from app.services.traffic import proxy_rules

    _use_db(args.db)
    try:
        with _session() as session:
            state = repo.load_state(session, repo.get_cluster(session, args.cluster))
        text = proxy_rules(state=state, node=args.node, mode=args.mode)
    except (ApiError, UseCaseFailed) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


def parse_event(text: str) -> dict[str, Any]:
    """`AT:ACTION:TARGET[:VALUE]`, e.g. 30:node-down:node-2, 60:scale:frontend:5,
    10:set-session-affinity:web:ClientIP, 20:pod-not-ready:default/web-abc."""
    parts = text.split(":")
    if len(parts) < 3:
        raise ValueError(f"cannot read event {text!r}: use AT:ACTION:TARGET[:VALUE]")
    at, action, target = parts[0], parts[1], parts[2]
    event: dict[str, Any] = {"action": action}
    try:
        event["at"] = float(at)
    except ValueError:
        raise ValueError(f"cannot read event {text!r}: {at!r} is not a number of seconds") from None
    key = {"node-down": "node", "node-up": "node", "pod-not-ready": "pod", "pod-ready": "pod",
           "scale": "deployment"}.get(action, "service")  # fmt: skip
    event[key] = target
    if len(parts) > 3:
        if action == "scale":
            if not parts[3].isdigit():
                raise ValueError(f"cannot read event {text!r}: replicas must be a number")
            event["replicas"] = int(parts[3])
        else:
            event["value"] = parts[3]
    return event


def cmd_simulate(args: argparse.Namespace) -> int:
    """Many requests with a progress bar, then a summary table (or the API's JSON)."""
    import json

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    from app.core.apiserver.writes import ApiError
    from app.core.model.fielderrors import ValidationFailed
    from app.core.network.routing import RouteError
    from app.core.simulation.events import parse_events
    from app.core.simulation.simulate import Spec, simulate
    from app.db import repo

    _use_db(args.db)
    console = Console(stderr=True, soft_wrap=True)
    try:
        source = parse_source(args.source)
        events = parse_events([parse_event(e) for e in args.event])
        with _session() as session:
            ws = repo.load_workspace(session, repo.get_cluster(session, args.cluster))
        spec = Spec(destination=args.destination, requests=args.requests, clients=args.clients,
                    source=source, rate=args.rate, seed=args.seed, sample=args.sample,
                    events=tuple(events), engine=args.engine)  # fmt: skip
        columns = (
            "[progress.description]{task.description}", BarColumn(), TaskProgressColumn(),
            TimeElapsedColumn(),
        )  # fmt: skip
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"simulating {args.requests:,} requests", total=1.0)
            result = simulate(ws, spec, progress=lambda done: bar.update(task, completed=done))
    except ValidationFailed as exc:
        console.print(f"[red]invalid:[/red] {escape_markup(str(exc))}")
        return 2
    except (ValueError, RouteError, ApiError) as exc:
        message = exc.message if isinstance(exc, ApiError) else str(exc)
        console.print(f"[red]error:[/red] {escape_markup(message)}")
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _print_simulation(result, args)
    return 0


def _print_simulation(result: dict[str, Any], args: argparse.Namespace) -> None:
    """The totals, a table of requests by pod beside their expected share, the events."""
    from rich.console import Console
    from rich.table import Table

    out = Console(highlight=False)
    total = result["total"]
    out.print(f"[bold]{total:,} requests[/bold] to {args.destination} over "
              f"{result['duration']:.1f} s from {result['clients']} client(s), "
              f"engine {result['engine']}, seed {args.seed}")  # fmt: skip
    outcomes = "  ".join(f"{k} {v:,}" for k, v in result["outcomes"].items())
    out.print(outcomes)
    table = Table("pod", "node", "requests", "share", "expected")
    pods = result["pod_nodes"]
    delivered = max(result["outcomes"]["delivered"], 1)
    for pod, count in sorted(result["by_pod"].items(), key=lambda kv: -kv[1]):
        expected = result["expected_share"].get(pod, 0.0)
        table.add_row(pod, pods.get(pod, ""), f"{count:,}", f"{count / delivered:.2%}",
                      f"{expected:.2%}")  # fmt: skip
    out.print(table)
    out.print(
        f"crossed nodes {result['cross_node']:,} ({result['cross_node'] / total:.1%})  "
        f"affinity hits {result['affinity_hits']:,}  chi-square {result['chi_square']} "
        f"(dof {result['degrees_of_freedom']}, p≈{result['p_value']:.3g})"
    )
    for event in result["events"]:
        out.print(f"event: {event['description']} (from request {event['request']:,})")


def escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="svcscope", description="See, test and teach how Kubernetes Services move traffic."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web app and the APIs")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--db", help="SQLite file (default: $DATABASE_URL or ./svcscope.db)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--workers", type=int, default=1,
        help="worker processes (uvicorn's); they share the database and its change feed",
    )  # fmt: skip
    # kubectl sends a --token only over HTTPS (client-go drops credentials for http:// servers).
    serve.add_argument("--tls-cert", help="PEM certificate: serve HTTPS (with --tls-key)")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.add_argument(
        "--allowed-host", action="append", default=[], metavar="NAME",
        help="a host name clients may use besides loopback and --host (repeatable)",
    )  # fmt: skip
    serve.set_defaults(func=cmd_serve)

    seed = sub.add_parser("seed", help="create the demo clusters that are missing")
    seed.add_argument("--db")
    seed.add_argument("--replace", action="store_true", help="re-create them from scratch")
    seed.set_defaults(func=cmd_seed)

    cli_bulk.add_parser(sub)

    imp = sub.add_parser("import", help="apply a YAML/JSON manifest to a cluster (all or nothing)")
    imp.add_argument("file", help="manifest file, or - for standard input")
    imp.add_argument("--cluster", default="demo")
    imp.add_argument("--namespace", default="default")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--db")
    imp.set_defaults(func=cli_bulk.cmd_import)

    exp = sub.add_parser("export", help="print a cluster's objects as YAML")
    exp.add_argument("--cluster", default="demo")
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.add_argument("--system", action="store_true", help="include kube-system objects")
    exp.add_argument("--db")
    exp.set_defaults(func=cmd_export)

    rt = sub.add_parser("route", help="follow one request hop by hop, with the reasons")
    rt.add_argument("--cluster", default="demo")
    rt.add_argument(
        "--from", dest="source", default="external",
        help="external[:IP], node:NAME or pod:[NAMESPACE/]NAME (default: external)",
    )  # fmt: skip
    rt.add_argument("--to", dest="destination", required=True, help="e.g. web:80, 10.96.0.10:53")
    rt.add_argument("--seed", type=int, default=0)
    rt.add_argument("--json", action="store_true", help="print the route contract's JSON")
    rt.add_argument("--db")
    rt.set_defaults(func=cmd_route)

    sim = sub.add_parser("simulate", help="send many requests and count where they went")
    sim.add_argument("--cluster", default="demo")
    sim.add_argument("--from", dest="source", default="external")
    sim.add_argument("--to", dest="destination", required=True)
    sim.add_argument("--requests", type=int, default=10_000)
    sim.add_argument("--clients", type=int, default=50)
    sim.add_argument("--rate", type=float, default=1000.0, help="requests per simulated second")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--sample", type=int, default=0, help="full paths to include with --json")
    sim.add_argument(
        "--event", action="append", default=[],
        help="AT:ACTION:TARGET[:VALUE], e.g. 30:node-down:node-2 (repeatable)",
    )  # fmt: skip
    sim.add_argument("--engine", choices=["auto", "vector", "scalar"], default="auto")
    sim.add_argument("--json", action="store_true")
    sim.add_argument("--db")
    sim.set_defaults(func=cmd_simulate)

    rules = sub.add_parser("rules", help="print kube-proxy's rules on a node")
    rules.add_argument("--cluster", default="demo")
    rules.add_argument("--node", required=True)
    rules.add_argument("--mode", choices=["iptables", "ipvs", "nftables"])
    rules.add_argument("--db")
    rules.set_defaults(func=cmd_rules)

    migrate = sub.add_parser("migrate", help="upgrade the database to the newest schema")
    migrate.add_argument("--db")
    migrate.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
