"""A real svcscope server in a subprocess on a free loopback port, for client and crash tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(
        self,
        db: Path,
        *,
        seed: bool = True,
        env: dict[str, str] | None = None,
        log: Path | None = None,
        log_level: str = "warning",
        tls: tuple[Path, Path] | None = None,
        workers: int = 1,
        database_url: str | None = None,
        args: list[str] | None = None,
        command: tuple[str, ...] = (sys.executable, "-m", "app.cli"),
        cwd: Path | None = None,
    ) -> None:
        self.db = db
        self.workers = workers
        self.database_url = database_url
        """Any SQLAlchemy URL instead of the SQLite file `db` (e.g. PostgreSQL)."""
        self.port = free_port()
        self.seed = seed
        self.env = env or {}
        self.log = log
        """stdout and stderr go to this file when set: a long run never blocks on a pipe."""
        self.log_level = log_level
        self.tls = tls
        """(certificate, key): serve HTTPS."""
        self.args = args or []
        """More `svcscope serve` arguments (e.g. --allowed-host NAME)."""
        self.command = command
        """The `svcscope` entry point: this checkout's, or an installed console script."""
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {**os.environ, "SVCSCOPE_SEED": "true" if self.seed else "false", **self.env}
        env.pop("DATABASE_URL", None)
        database = ["--db", str(self.db)]
        if self.database_url:
            env["DATABASE_URL"], database = self.database_url, []
        log_file = self.log.open("ab") if self.log else None
        tls = ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])] if self.tls else []
        self.process = subprocess.Popen(
            [*self.command, "serve", "--host", "127.0.0.1",
             "--port", str(self.port), *database, "--log-level", self.log_level, *tls,
             "--workers", str(self.workers), *self.args],
            env=env, stdout=log_file or subprocess.DEVNULL, stderr=log_file or subprocess.PIPE,
            cwd=self.cwd,
        )  # fmt: skip
        if log_file:
            log_file.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.stderr_text()}")
            try:
                ready = httpx.get(f"{self.url}/api/clusters", timeout=1, verify=False)
                if ready.status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()  # a fixture whose start failed never stops it: no server left behind
        raise RuntimeError("server did not start within 60 s")

    def stderr_text(self) -> str:
        if self.log:
            return self.log.read_text(errors="replace") if self.log.exists() else ""
        if self.process and self.process.stderr and self.process.poll() is not None:
            return self.process.stderr.read().decode(errors="replace")
        return ""

    def rss_mb(self) -> float:
        """The server process's resident memory now, from /proc (MiB)."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS line")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as when a laptop loses power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stderr:
            self.process.stderr.close()
