"""Compile k8s.io/api's protobuf definitions (proto/) into the descriptor set the API reads.

kubectl's typed clients send protobuf bodies; app/core/model/protobuf.py decodes them with the
protobuf library from a FileDescriptorSet, so no generated Python is committed or imported.
`make install` runs this for a checkout and setup.py's build step before a wheel is built;
protoc comes from grpcio-tools (a build requirement from PyPI), so nothing else is fetched.

    python tools/protos.py [DESTINATION]   (default: app/core/model/k8s.protoset)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "proto"
DESTINATION = ROOT / "app" / "core" / "model" / "k8s.protoset"


def compile_protos(destination: Path = DESTINATION) -> Path:
    """Write the descriptor set of every .proto under proto/ (imports included)."""
    from grpc_tools import protoc  # a build-time tool only: not needed to serve

    files = sorted(str(p.relative_to(SOURCES)) for p in SOURCES.rglob("*.proto"))
    destination.parent.mkdir(parents=True, exist_ok=True)
    status = protoc.main(
        [
            "protoc",
            f"--proto_path={SOURCES}",
            "--include_imports",
            f"--descriptor_set_out={destination}",
            *files,
        ]
    )
    if status != 0:
        raise SystemExit(f"protoc failed ({status}) compiling {len(files)} files under {SOURCES}")
    return destination


if __name__ == "__main__":
    print(compile_protos(Path(sys.argv[1]) if len(sys.argv) > 1 else DESTINATION))
