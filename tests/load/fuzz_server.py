"""`make fuzz`, second half: the schemathesis CLI against a real server with a write token.

The examples, fuzzing and stateful phases (chains of operations linked by the document),
seeded and bounded in time. The coverage phase runs in the first half (pytest), where the hooks
bound every watch: the CLI's coverage phase sends its cases without the hooks, so a generated
`watch=true` on a real cluster streamed for the default watch timeout (a 60 s read timeout).

With SVCSCOPE_WRITE_TOKEN set and the token sent, the `ignored_auth` check also proves that
the same requests without it are refused.

    python -m tests.load.fuzz_server --max-time 240 --max-examples 200
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from tests.server import Server

HERE = Path(__file__).resolve().parent
TOKEN = "fuzz-write-token"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-time", type=int, default=240)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        server = Server(Path(tmp) / "fuzz.db", env={"SVCSCOPE_WRITE_TOKEN": TOKEN}, log=log)
        server.start()
        try:
            # The CLI gives up on a schema that takes 10 s to come (a loaded machine, the
            # first request building the document): fetched here, without that limit.
            schema = Path(tmp) / "openapi.json"
            schema.write_bytes(httpx.get(f"{server.url}/openapi.json", timeout=300).content)
            st = Path(sys.executable).with_name("st")
            command = [
                str(st), "--config-file", str(HERE / "schemathesis.toml"),
                "run", str(schema), "--url", server.url,
                "--checks", ",".join(CHECKS),
                "--header", f"Authorization: Bearer {TOKEN}",
                "--max-examples", str(args.max_examples),
                "--max-time", str(args.max_time),
                "--phases", "examples,fuzzing,stateful",
                "--seed", str(args.seed),
                "--workers", "1",
                "--request-timeout", "60",
            ]  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}  # for the hooks module
            code = subprocess.run(command, env=env, check=False).returncode
        finally:
            server.stop()
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(text[-4000:], file=sys.stderr)
            code = code or 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
