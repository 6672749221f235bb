"""Which local process opened a connection to the proxy (Linux ``/proc``; '' where it cannot be known).

The client's socket is the line of ``/proc/net/tcp`` (or ``tcp6``) whose local address is the
client's end and whose remote address is the proxy's end; its inode names the socket, and the
process holding ``socket:[INODE]`` among its file descriptors is the one that tried. Only
processes of the same user can be read; anything unreadable is skipped.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
MAX_COMMAND = 300  # characters of a command line kept


@dataclass(frozen=True)
class Process:
    pid: int
    command: str

    def describe(self) -> str:
        return f"pid {self.pid}: {self.command}" if self.pid else ""


UNKNOWN = Process(0, "")


def _proc_address(host: str, port: int) -> str:
    """An address as ``/proc/net/tcp*`` writes it: the IP's 32-bit words in host byte order, then the port."""
    packed = ipaddress.ip_address(host).packed
    words = "".join(f"{int.from_bytes(packed[i : i + 4], 'little'):08X}" for i in range(0, len(packed), 4))
    return f"{words}:{port:04X}"


def _unmapped(host: str) -> str:
    """An IPv4-mapped IPv6 address as IPv4 (how a dual-stack socket may name an IPv4 peer)."""
    address = ipaddress.ip_address(host)
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return str(mapped) if mapped is not None else host


def _inode(client: tuple[str, int], server: tuple[str, int], proc: Path) -> int | None:
    candidates = {(client[0], server[0]), (_unmapped(client[0]), _unmapped(server[0]))}
    wanted = set()
    for client_ip, server_ip in candidates:
        with contextlib.suppress(ValueError):
            wanted.add((_proc_address(client_ip, client[1]), _proc_address(server_ip, server[1])))
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (proc / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and (fields[1], fields[2]) in wanted:
                    return int(fields[9])
    return None


def owner(client: tuple[str, int], server: tuple[str, int], proc: Path = PROC) -> Process:
    """The process whose socket is ``client`` connected to ``server`` (``UNKNOWN`` when not found)."""
    inode = _inode(client, server, proc)
    if not inode:
        return UNKNOWN
    target = f"socket:[{inode}]"
    pids = sorted((int(entry.name) for entry in proc.iterdir() if entry.name.isdigit()), reverse=True)
    for pid in sorted(pids, key=lambda pid: pid != os.getpid()):  # this process, then the newest first
        entry = proc / str(pid)
        with contextlib.suppress(OSError):
            for descriptor in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(descriptor) == target:
                        return Process(int(entry.name), _command(entry))
    return UNKNOWN


def _command(entry: Path) -> str:
    with contextlib.suppress(OSError):
        parts = (entry / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        return " ".join(" ".join(part.decode("utf-8", "replace").split()) for part in parts)[:MAX_COMMAND]
    return ""


def socket_ends(sock: socket.socket | None) -> tuple[tuple[str, int], tuple[str, int]] | None:
    """(client end, server end) of an accepted TCP socket, None when unknown."""
    if sock is None:
        return None
    with contextlib.suppress(OSError):
        peer, local = sock.getpeername(), sock.getsockname()
        return (str(peer[0]), int(peer[1])), (str(local[0]), int(local[1]))
    return None
