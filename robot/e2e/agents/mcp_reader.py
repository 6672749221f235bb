"""A small MCP agent for the MCP-cassette suite: lists a server's tools and searches its docs with the official client.

    python robot/e2e/agents/mcp_reader.py http://127.0.0.1:PORT/mcp
    python robot/e2e/agents/mcp_reader.py COMMAND ARG...        # a stdio server

Prints ``<tool names> | <the search result's text> | <the server's instructions>``.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from mcp import Client, StdioServerParameters


async def main(target: Any) -> str:
    async with Client(target) as client:
        tools = await client.list_tools()
        found = await client.call_tool("search", {"query": "mcp"})
        text = " ".join(getattr(item, "text", "") for item in found.content)
        return f"{','.join(tool.name for tool in tools.tools)} | {text} | {client.instructions}"


if __name__ == "__main__":
    first, rest = sys.argv[1], sys.argv[2:]
    server = first if first.startswith("http") else StdioServerParameters(command=first, args=rest)
    print(asyncio.run(main(server)))
