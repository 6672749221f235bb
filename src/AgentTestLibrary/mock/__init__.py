"""The mock core every protocol shares: server I/O, the exchange pipeline, faults, journal, admin API.

Protocol families plug in as applications (``mockllm`` for the model APIs); nothing here knows
a wire format. No Robot Framework imports: pytest and the CLI use this directly.
"""

from .http import Event, Outcome, Request, Timing
from .pipeline import Answer, Endpoint, Pipeline, Route
from .server import Limits, MockServer

__all__ = ["Answer", "Endpoint", "Event", "Limits", "MockServer", "Outcome", "Pipeline", "Request", "Route", "Timing"]
