"""`svcscope create`: a new cluster from the command line, with a progress bar.

Thousands of nodes register in memory first (the bar counts them), then the rows go to the
database in one short transaction (app/db/repo.create_cluster).
"""

from __future__ import annotations

import argparse
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
