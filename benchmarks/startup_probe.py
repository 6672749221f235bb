"""Run in a fresh process by startup.py and e2e_time.py: start-up to first response and added RSS per server."""

from __future__ import annotations

import json
import socket
import time

began = time.perf_counter()
from AgentTestLibrary.mockllm import MockLLM, MockServer  # noqa: E402 - the import is what is timed

imported = time.perf_counter()
BODY = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: %d\r\n\r\n%s"
    % (
        len(BODY),
        BODY,
    )
)


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1])


servers, starts, before = [], [], rss_kib()
for _ in range(5):
    t0 = time.perf_counter()
    server = MockServer(MockLLM())
    server.start()
    servers.append(server)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(REQUEST)
        while sock.recv(65536):
            pass
    starts.append(time.perf_counter() - t0)
after = rss_kib()
print(json.dumps({"import_s": imported - began, "start_s": sorted(starts)[2], "rss_kib": (after - before) / 5}))
for server in servers:
    server.stop()
