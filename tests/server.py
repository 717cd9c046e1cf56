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
        self.log = log or db.with_name(f"{db.name}.server.log")
        """stdout and stderr go to this file (beside the database unless given): a long run never
        blocks on a pipe, and a test that fails can show what the server said."""
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
        """Start the server and wait until it, not another process, answers on its port.

        free_port() lets the port go before the server binds it, so another test's server can take
        it first (tests run in two processes). Our server then exits with "address already in use"
        while the readiness probe gets answers from the other one; the test talks to a stranger's
        server until that one stops (a fresh-clone run saw "connection refused" mid-test). So the
        listening socket must be in our process's file table, and a lost port is picked again."""
        for _attempt in range(5):
            if self._launch():
                return self
            self.port = free_port()
        raise RuntimeError(f"server lost its port five times: {self.stderr_text()}")

    def _launch(self) -> bool:
        env = {**os.environ, "SVCSCOPE_SEED": "true" if self.seed else "false", **self.env}
        env.pop("DATABASE_URL", None)
        database = ["--db", str(self.db)]
        if self.database_url:
            env["DATABASE_URL"], database = self.database_url, []
        tls = ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])] if self.tls else []
        with self.log.open("ab") as log_file:
            said_before = log_file.tell()
            self.process = subprocess.Popen(
                [*self.command, "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), *database, "--log-level", self.log_level, *tls,
                 "--workers", str(self.workers), *self.args],
                env=env, stdout=log_file, stderr=log_file, cwd=self.cwd,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if b"address already in use" in self.log.read_bytes()[said_before:].lower():
                    return False
                raise RuntimeError(self.exit_report())
            try:
                ready = httpx.get(f"{self.url}/api/clusters", timeout=1, verify=False)
                if ready.status_code == 200 and self._listens_here():
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()  # a fixture whose start failed never stops it: no server left behind
        raise RuntimeError("server did not start within 60 s")

    def _listens_here(self) -> bool:
        """Whether the socket listening on 127.0.0.1:port is open in our server process (uvicorn's
        parent holds it also when it runs workers), read from Linux's /proc."""
        assert self.process is not None
        wanted = f"0100007F:{self.port:04X}"
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == wanted and fields[3] == "0A":  # 0A: TCP_LISTEN
                inodes.add(f"socket:[{fields[9]}]")
        descriptors = Path(f"/proc/{self.process.pid}/fd")
        try:
            return any(os.readlink(fd) in inodes for fd in descriptors.iterdir())
        except OSError:  # the process exited while we looked
            return False

    def stderr_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def exit_report(self) -> str:
        """How the server left, with its log; empty while it runs. One wording for a server that
        never came up and one that went away mid-test, for a run that cannot be repeated."""
        code = self.process.poll() if self.process else None
        if code is None:
            return ""
        return f"server exited with code {code}; its log:\n{self.stderr_text()}"

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

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
