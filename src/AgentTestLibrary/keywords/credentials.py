"""Write Credential File: a credential as the file some tools insist on, there for one test or suite, then gone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from ..environment import EnvironmentPatch
from ..live.credential_files import format_of, secret_parts, write_file
from ..naming import slug
from ..private import sweep_stale
from .arguments import check_named
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport


@dataclass
class WrittenFile:
    scope: str  # the scope whose end removes it
    path: Path
    patch: EnvironmentPatch


class CredentialKeywords(LibraryComponent):
    """Files live in the private folder (0700, outside ``${OUTPUT DIR}``); a killed run's files are swept when
    the next run's first suite starts."""

    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.written: list[WrittenFile] = []
        self.swept = False

    def start_scope(self, scope: Scope) -> None:
        if not self.swept:
            self.swept = True
            sweep_stale()

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        for written in [item for item in self.written if item.scope == scope.name][::-1]:
            written.path.unlink(missing_ok=True)
            written.patch.restore()
            self.written.remove(written)
            logger.info(f"Removed credential file {written.path.name}; {', '.join(written.patch.values)} restored.")

    @keyword("Write Credential File")
    def write_credential_file(self, variable: str, credential: str | Secret, file_name: str | None = None) -> str:
        """Writes a credential into a file, points ``variable`` at it, and removes both at the end of the test.

        For tools that read a file, not an environment variable. ``credential`` names the
        variable holding the file's whole content (in the environment or ``.env.live``; call
        `Require Credential Or Skip` first), or is a ``Secret`` (e.g. from `Get Credential`).
        The file is written with mode 0600 into the library's private folder (mode 0700,
        outside ``${OUTPUT DIR}``), its content and each secret part of it (JSON strings,
        INI values) are masked in every output, and ``variable`` points at it for processes
        started afterwards. Called in a test, the file and the variable go at the test's end;
        in a suite setup, at the suite's end; both also when the test fails or Robot is
        interrupted, and a file left by a killed run is removed when the next run starts.
        Returns the file's path.

        Known variables are checked for the format their readers expect:
        | =Variable= | =Format= |
        | ``GOOGLE_APPLICATION_CREDENTIALS`` | a JSON object (service-account or authorized-user key) |
        | ``AWS_SHARED_CREDENTIALS_FILE`` | INI with a ``[default]`` (or named) profile |
        | ``AWS_CONFIG_FILE`` | INI with ``[default]`` or ``[profile NAME]`` sections |
        Any other variable gets the credential as text. ``file_name`` overrides the file's name.

        Example:
        | Require Credential Or Skip    GCP_SERVICE_ACCOUNT_JSON
        | ${path}=    Write Credential File    GOOGLE_APPLICATION_CREDENTIALS    GCP_SERVICE_ACCOUNT_JSON
        | Run Process    gcloud    auth    application-default    print-access-token
        """
        check_named("Write Credential File", self.write_credential_file, variable=variable, file_name=file_name)
        form = format_of(variable, file_name)
        if isinstance(credential, Secret):
            value, named = credential.value, "given as a Secret"
            self.ctx.secrets.add(value)
        else:
            value, named = self.ctx.credential(credential), credential
        for part in secret_parts(variable, named, value, form.kind):
            self.ctx.secrets.add(part)
        scope = self.ctx.scopes[-1].name if self.ctx.scopes else ""
        folder = self.ctx.private.root / "credentials" / slug(scope or "library") / slug(variable)
        if (folder / form.file_name).exists():
            raise AssertionError(f"A credential file for {variable} was already written in this scope: {folder}.")
        path = write_file(folder, form, value)
        patch = EnvironmentPatch({variable: str(path)})
        patch.apply()
        self.written.append(WrittenFile(scope, path, patch))
        logger.info(f"Wrote credential file {path.name} (mode 0600, {form.kind}) and set {variable} to its path.")
        return str(path)
