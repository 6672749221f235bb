"""pytest-httpserver as a REST peer: the GitHub issues page of ``cases.py`` answered with the very body and headers the
mock service sends (rendered by the mock once), as a test would script it with ``expect_request``.

Prints ``PEER_URL=...``, then serves until killed. One serving thread, as the ``httpserver`` fixture runs it;
werkzeug closes every connection after its response (``Connection: close``).
"""

from __future__ import annotations

import signal
import sys
import threading

from pytest_httpserver import HTTPServer
from werkzeug import Response

from AgentTestLibrary.mock.http import Request
from AgentTestLibrary.mockservice import MockService, load_service
from cases import REST_HEADERS, REST_PATH, REST_QUERY


def main() -> None:
    app = MockService(load_service(sys.argv[1], "github"))
    answer = app.handle(Request("GET", f"{REST_PATH}?{REST_QUERY}", dict(REST_HEADERS)))
    headers = [(name, value) for name, value in answer.headers if name.lower() != "content-type"]
    server = HTTPServer(host="127.0.0.1", port=0)  # as its httpserver fixture starts it: one thread
    server.expect_request(REST_PATH, method="GET", query_string=REST_QUERY).respond_with_response(
        Response(answer.body_bytes(), status=answer.status, headers=headers, content_type=answer.content_type)
    )
    server.start()
    print(f"PEER_URL=http://127.0.0.1:{server.port}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
