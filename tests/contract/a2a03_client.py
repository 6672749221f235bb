"""Run by the a2a-sdk 0.3 venv (``make a2a-legacy``): the 0.3 client against a mock agent, what it saw as JSON.

.venv-a2a03/bin/python tests/contract/a2a03_client.py URL
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from a2a.client import ClientConfig, ClientFactory, create_text_message_object
from a2a.types import TaskQueryParams


async def exchange(url: str, streaming: bool, text: str) -> dict[str, Any]:
    client = await ClientFactory.connect(url, ClientConfig(streaming=streaming))
    seen: dict[str, Any] = {"events": []}
    try:
        task = None
        async for event in client.send_message(create_text_message_object(content=text)):
            if isinstance(event, tuple):
                task, update = event
                seen["events"].append([task.status.state.value, update.kind if update is not None else None])
            else:
                seen["message"] = event.parts[0].root.text
        if task is not None:
            fetched = await client.get_task(TaskQueryParams(id=task.id))
            seen["fetched"] = fetched.status.state.value
            parts = [part.root for item in fetched.artifacts or [] for part in item.parts]
            seen["artifacts"] = [part.text if part.kind == "text" else part.data for part in parts]
    finally:
        await client.close()
    return seen


async def main(url: str) -> None:
    seen = {
        "stream": await exchange(url, True, "find sources"),
        "send": await exchange(url, False, "find sources"),
        "message": await exchange(url, False, "hello"),
    }
    print(json.dumps(seen))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
