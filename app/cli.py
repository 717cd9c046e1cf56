"""The `svcscope` console script."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def _use_db(path: str | None) -> None:
    """--db PATH selects an SQLite file; it must be set before settings are first read."""
    if path:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(path).resolve()}"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _use_db(args.db)
    os.environ["HOST"], os.environ["PORT"] = args.host, str(args.port)
    from app.main import create_app

    print(f"svcscope: serving http://{args.host}:{args.port}", file=sys.stderr)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _use_db(args.db)
    from app.db.migrate import upgrade_to_head
    from app.db.seed import seed_demo_clusters
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
    from sqlmodel import Session

    from app.db.migrate import upgrade_to_head
    from app.db.session import get_engine
    from app.settings import get_settings

    upgrade_to_head(get_settings().DATABASE_URL)
    return Session(get_engine().execution_options(sqlite_immediate=True))


def cmd_import(args: argparse.Namespace) -> int:
    """Apply a manifest file to a cluster in one transaction, with a progress bar."""
    from rich.console import Console
    from rich.progress import Progress

    from app.core import manifests
    from app.core.apiserver import ApiError
    from app.core.yamlsafe import YamlError
    from app.db import repo

    _use_db(args.db)
    console = Console(stderr=True)
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        docs = manifests.parse(text)
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] cannot read {args.file}: {exc}")
        return 1
    except YamlError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1
    with _session() as session, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"applying {len(docs)} objects", total=len(docs))
        try:
            row = repo.get_cluster(session, args.cluster)
            ws = repo.load_workspace(session, row)
            outcomes = manifests.apply(
                ws, docs, args.namespace, progress=lambda n: bar.advance(task, n)
            )
            if args.dry_run:
                session.rollback()
            else:
                repo.save_workspace(session, row, ws)
                session.commit()
        except manifests.ImportFailed as failed:
            session.rollback()
            for error in failed.errors:
                console.print(f"[red]document {error['document']}:[/red] {error['message']}")
            console.print("nothing was applied")
            return 1
        except ApiError as exc:
            session.rollback()
            console.print(f"[red]error:[/red] {exc.message}")
            return 1
    suffix = " (dry run)" if args.dry_run else ""
    for outcome in outcomes:
        kind = outcome.kind.lower() + ("." + "apps" if outcome.kind == "Deployment" else "")
        print(f"{kind}/{outcome.name} {outcome.action}{suffix}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write a cluster's objects as multi-document YAML."""
    import yaml

    from app.core import manifests
    from app.core.apiserver import ApiError
    from app.db import repo

    _use_db(args.db)
    with _session() as session:
        try:
            ws = repo.load_workspace(session, repo.get_cluster(session, args.cluster))
        except ApiError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    text = yaml.safe_dump_all(manifests.export(ws, include_system=args.system), sort_keys=False)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def parse_source(text: str) -> Any:
    """`external`, `external:203.0.113.9`, `node:node-1` or `pod:default/frontend-abc`."""
    from app.core.routing import Source

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

    from app.core.apiserver import ApiError
    from app.core.routing import RouteError, route
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
    return 0 if path.outcome == "delivered" else 1


def cmd_rules(args: argparse.Namespace) -> int:
    """Print what kube-proxy writes on a node in the chosen (or the cluster's) mode."""
    from app.core import proxyrules
    from app.core.apiserver import ApiError
    from app.db import repo

    _use_db(args.db)
    try:
        with _session() as session:
            state = repo.load_state(session, repo.get_cluster(session, args.cluster))
        mode = args.mode or state.config.proxy_mode
        if mode == "nftables":
            text = proxyrules.nft_ruleset(state, args.node)
        elif mode == "ipvs":
            text = proxyrules.ipvsadm_listing(state, args.node)
        else:
            text = proxyrules.iptables_save(state, args.node)
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except proxyrules.UnknownNode:
        print(f'error: nodes "{args.node}" not found', file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


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
    serve.set_defaults(func=cmd_serve)

    seed = sub.add_parser("seed", help="create the demo clusters that are missing")
    seed.add_argument("--db")
    seed.add_argument("--replace", action="store_true", help="re-create them from scratch")
    seed.set_defaults(func=cmd_seed)

    imp = sub.add_parser("import", help="apply a YAML/JSON manifest to a cluster (all or nothing)")
    imp.add_argument("file", help="manifest file, or - for standard input")
    imp.add_argument("--cluster", default="demo")
    imp.add_argument("--namespace", default="default")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--db")
    imp.set_defaults(func=cmd_import)

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
