"""Mock MCP servers: tools, resources and prompts over streamable HTTP and stdio, scripted, journaled, faulted.

``MockServer(MockMCP(load_mcp_server(FILE, "tools"))).start()`` serves one on loopback; the URL
to give clients is ``<base>/mcp``. No Robot Framework imports: pytest and the CLI use it directly.
"""

from .app import MockMCP
from .endpoint import MCP_PATH
from .loader import load_mcp_server, mcp_server_from_text, server_names
from .model import ECHO_SERVER, SUPPORTED_VERSIONS, McpServerSpec

__all__ = [
    "ECHO_SERVER",
    "MCP_PATH",
    "SUPPORTED_VERSIONS",
    "McpServerSpec",
    "MockMCP",
    "load_mcp_server",
    "mcp_server_from_text",
    "server_names",
]
