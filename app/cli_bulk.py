"""`svcscope create` and `svcscope import`: big writes from the command line, with progress.

Thousands of nodes register, or thousands of documents apply, in memory first (the bar counts
them), then the rows go to the database in one short transaction (app/db/repo).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_create(args: argparse.Namespace) -> int:
    """Create a cluster of `--nodes` worker nodes from a template."""
    from rich.console import Console
    from rich.progress import Progress

    from app.cli import _session, _use_db
    from app.services import clusters
    from app.services.errors import UseCaseFailed

    _use_db(args.db)
    console = Console(stderr=True, soft_wrap=True)
    body: dict[str, Any] = {"name": args.name, "nodes": args.nodes}
    for key in ("provider", "nodeCIDR", "podCIDR", "serviceCIDR", "controlPlaneAddress"):
        value = getattr(args, key)
        if value is not None:
            body[key] = value
    with _session() as session, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"registering {args.nodes} nodes", total=args.nodes)
        try:
            row = clusters.create_cluster(
                session=session,
                body=body,
                template=args.template,
                progress=lambda n: bar.advance(task, n),
            )
        except UseCaseFailed as exc:
            console.print(f"[red]error:[/red] {exc.message}")
            return 1
    print(f"cluster/{row.name} created (resourceVersion {row.resource_version})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Apply a manifest file to a cluster in one transaction, with a progress bar."""
    from rich.console import Console
    from rich.progress import Progress

    from app.cli import _session, _use_db
    from app.core.apiserver import writes as apiserver
    from app.core.apiserver.manifests import ImportFailed
    from app.services import manifests
    from app.services.errors import UseCaseFailed

    _use_db(args.db)
    console = Console(stderr=True, soft_wrap=True)
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        docs = manifests.parse_manifest(text)
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] cannot read {args.file}: {exc}")
        return 1
    except UseCaseFailed as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        return 1
    with _session() as session, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"applying {len(docs)} objects", total=len(docs))
        if not docs:
            return 0  # an empty file applies nothing and says nothing (the API refuses it)
        try:
            outcomes = manifests.import_manifest(
                session=session, cluster=args.cluster, docs=docs, namespace=args.namespace,
                dry_run=args.dry_run, progress=lambda n: bar.advance(task, n),
            )  # fmt: skip
        except UseCaseFailed as exc:
            if not isinstance(exc.error, ImportFailed):
                console.print(f"[red]error:[/red] {exc.message}")
                return 1
            for error in exc.error.errors:
                console.print(f"[red]document {error['document']}:[/red] {error['message']}")
            console.print("nothing was applied")
            return 1
    suffix = " (dry run)" if args.dry_run else ""
    for outcome in outcomes:
        group = apiserver.API_VERSIONS.get(outcome.kind, "v1").rpartition("/")[0]
        kind = outcome.kind.lower() + (f".{group}" if group else "")
        note = f" ({outcome.note})" if outcome.note else ""
        print(f"{kind}/{outcome.name} {outcome.action}{suffix}{note}")
    return 0


def add_parser(sub: Any) -> None:
    create = sub.add_parser("create", help="create a cluster (thousands of nodes if asked)")
    create.add_argument("name")
    create.add_argument("--nodes", type=int, default=3)
    create.add_argument("--template", choices=("empty", "demo", "bare-metal"), default="empty")
    create.add_argument("--provider")
    create.add_argument("--node-cidr", dest="nodeCIDR")
    create.add_argument("--pod-cidr", dest="podCIDR")
    create.add_argument("--service-cidr", dest="serviceCIDR")
    create.add_argument("--control-plane-address", dest="controlPlaneAddress")
    create.add_argument("--db")
    create.set_defaults(func=cmd_create)
