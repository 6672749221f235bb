"""Every error the library raises on purpose, in one family.

Robot Framework shows these messages without the class name (``ROBOT_SUPPRESS_NAME``), so
each message must stand alone: what is wrong, where, and what to do. Code that catches
library errors catches :class:`AgentTestError` or one of its branches::

    AgentTestError
    ├── InputError (ValueError)      something the user wrote is wrong; names the place and the fix
    │   ├── ScenarioError            scenario files, rules and faults (YAML, keywords, admin API)
    │   ├── CassetteError            cassette files and options
    │   ├── FakeCliError             fake CLI names and rules
    │   ├── AgentConfigError         an agent's settings file cannot be read or edited as asked
    │   │   ├── HookConfigError      hook configuration to write into an agent's settings
    │   │   └── McpConfigError       MCP server configuration to write into an agent's settings
    │   ├── WebhookError             a webhook to sign or deliver (provider, secret, signature kind)
    │   ├── CredentialFileError      a credential file to write (unknown credential, wrong format)
    │   ├── SecretSourceError        a secrets-manager source written wrongly, or a secret not shaped as it says
    │   ├── GoldenSetError           a golden set of agent cases or a scores file
    │   ├── RegistryError            the runtime registry
    │   ├── NameClashError           two names of one run would share a file
    │   ├── UnsafePathError          a path that would leave its folder
    │   └── YamlLocationError        YAML that does not parse (line and column)
    ├── RequestError                 a request to a mock is malformed: rendered as the protocol's 4xx
    │   └── UnknownResponseError     previous_response_id names no response of this mock
    ├── MockServerError              a mock server cannot start or stop (port in use, busy thread)
    ├── NotRunningError              a keyword needs a mock that is not running (or was never started)
    ├── MissingCredentialError       a credential a keyword needs is not set
    ├── SecretUnavailable            a secrets manager's secret is missing, denied or out of reach (a live skip)
    ├── UpstreamError                a recording cannot be forwarded upstream as asked
    ├── AgentInstallError            pinned agent CLIs cannot be installed
    ├── RetryExhaustedError          (AssertionError) every attempt of a live call failed
    └── SkipTest                     skips the test, or the suite from a suite setup (never a failure)
"""

from __future__ import annotations

from typing import Literal

UnavailableKind = Literal["missing", "denied", "unreachable", "unavailable"]


class AgentTestError(Exception):
    """The base of every error this library raises on purpose."""

    ROBOT_SUPPRESS_NAME = True


class InputError(AgentTestError, ValueError):
    """Something the user wrote is wrong; the message names the place and the fix."""


class ScenarioError(InputError):
    """A scenario (file or keyword input) is invalid; the message names the place and the fix."""


class CassetteError(InputError):
    """A cassette file is invalid, missing or stale; the message names the file and the fix."""


class FakeCliError(InputError):
    """Invalid fake CLI definition; the message names the place and the fix."""


class AgentConfigError(InputError):
    """An agent's settings file cannot be read, or the change asked for does not fit it; the message says which."""


class HookConfigError(AgentConfigError):
    """Unknown runtime or event, or a config file that cannot be edited; the message says which and why."""


class McpConfigError(AgentConfigError):
    """Unknown runtime or mock MCP server, or a server name an agent config cannot carry."""


class WebhookError(InputError):
    """An unknown provider, an unusable secret or signature kind, a delivery nobody answered; the message says which
    and how to fix it."""


class CredentialFileError(InputError):
    """A credential file cannot be written as asked; the message names variable and credential, never the value."""


class SecretSourceError(InputError):
    """A secret source is written wrongly, or its secret is not what the source says; the message says the fix."""


class GoldenSetError(InputError):
    """A golden set or a scores file is invalid; the message names the file, the key and the fix."""


class RegistryError(InputError):
    """Invalid registry or unknown runtime; the message names the file, the runtime and the key."""


class NameClashError(InputError):
    """Two different names of one run would be written to the same file."""


class UnsafePathError(InputError):
    """A path to write or delete lies outside the folder it must stay in."""


class YamlLocationError(InputError):
    """YAML that does not parse or breaks a safety bound, with its 1-based line and column."""

    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class RequestError(AgentTestError):
    """A request to a mock is malformed; rendered as the protocol's 4xx error naming ``param``."""

    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


class UnknownResponseError(RequestError):
    """``previous_response_id`` names no response this mock produced (since start or reset)."""


class MockServerError(AgentTestError):
    """A mock server could not start or stop; the message says what to change."""


class AgentServerError(AgentTestError):
    """An agent server did not start, answer or print its URL in time; the message names the command, the URL
    awaited and the agent's last output lines."""


class NotRunningError(AgentTestError, RuntimeError):
    """A keyword needs a mock (or a golden set, a runtime ...) that is not there; the message says what starts it."""


class MissingCredentialError(AgentTestError):
    """A credential variable a keyword needs is not set; the message names it and the keyword that checks it."""


class SecretUnavailable(AgentTestError):
    """A secret could not be fetched: missing, denied, or the manager is out of reach (a skip in the live lane)."""

    def __init__(self, kind: UnavailableKind, detail: str, url: str | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.url = url  # the manager's URL, diagnosed when it is out of reach


class UpstreamError(AgentTestError):
    """A recording cannot be forwarded upstream as it is (e.g. an unusable model name)."""


class AgentInstallError(AgentTestError):
    """Pinned agent CLIs cannot be installed; ``unavailable`` when npm or its registry is out of reach."""

    def __init__(self, message: str, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


class RetryExhaustedError(AgentTestError, AssertionError):
    """Every attempt failed; the message lists each attempt's error."""


class SkipTest(AgentTestError):
    """Skips the test (or, from a Suite Setup, the whole suite) with the reason given."""

    ROBOT_SKIP_EXECUTION = True
