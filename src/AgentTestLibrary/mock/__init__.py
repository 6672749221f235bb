"""The mock core every protocol shares: server I/O, the exchange pipeline, faults, journal, admin API.

Protocol families plug in as applications (``mockllm`` for the model APIs, ``mockmcp`` for MCP
servers); nothing here knows a wire format. No Robot Framework imports: pytest and the CLI use
this directly. Import the modules themselves (``mock.server``, ``mock.pipeline`` ...): this
package imports nothing, so a process that needs no server (the stdio relay) loads no socket
or WebSocket code.
"""
