"""N writers and M readers in a closed loop against any URL: each sends its next request as
soon as the last one is answered. It is the yardstick run of bench_store's writers-and-readers
figure: the same 20 + 50 threads, the same client, against bare_app's durable write and
constant GET, so the machine's own cost under that load is printed beside svcscope's."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class Latencies:
    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run(
    url: str, *, writers: int, readers: int, seconds: float, write: str, read: str
) -> Latencies:
    got = Latencies()
    until = time.monotonic() + seconds

    def loop(method: str, path: str, into: list[float]) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            while time.monotonic() < until:
                began = time.perf_counter()
                client.request(method, path).raise_for_status()
                with got.lock:
                    into.append(time.perf_counter() - began)

    threads = [
        threading.Thread(target=loop, args=("POST", write, got.writes)) for _ in range(writers)
    ] + [threading.Thread(target=loop, args=("GET", read, got.reads)) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got
