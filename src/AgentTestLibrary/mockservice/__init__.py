"""Mock REST services: routes from YAML, in-memory collections, pagination styles, signatures, faults.

``MockServer(MockService(load_service("github", "github"))).start()`` serves the GitHub preset on
loopback. No Robot Framework imports: pytest and the CLI use it directly.
"""

from .app import MockService
from .loader import load_service, presets, service_from_text
from .model import ServiceSpec

__all__ = ["MockService", "ServiceSpec", "load_service", "presets", "service_from_text"]
