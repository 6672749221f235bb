"""The options of a cassette run: record modes, the request fields replay matches on, the drift check's cap.

The keyword layer needs these names before anything records or replays, so they live apart from
the code that does (and from httpx).
"""

from __future__ import annotations

from typing import Literal, get_args

RecordMode = Literal["none", "once", "new_episodes", "all"]
RECORD_MODES: tuple[str, ...] = get_args(RecordMode)
MATCH_FIELDS = ("protocol", "model", "system", "messages", "tools")
DEFAULT_MATCH = ("protocol", "model", "messages", "tools")
DEFAULT_MAX_REQUESTS = 50  # requests one drift check sends at most
SERVICE_MATCH_FIELDS = ("method", "path", "query", "body")
SERVICE_MATCH = SERVICE_MATCH_FIELDS
MCP_MATCH_FIELDS = ("method", "params")
MCP_MATCH = MCP_MATCH_FIELDS
