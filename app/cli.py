"""The `svcscope` console script."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


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
