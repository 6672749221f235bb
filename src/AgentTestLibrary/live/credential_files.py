"""Credential files for tools that read a file, not a variable: the format each documented variable expects.

A file is written with mode 0600 into a private folder (0700, outside ``${OUTPUT DIR}``, see
:mod:`..private`), checked against the format its variable's readers expect, and every secret part
of it is returned so the caller can mask it. Messages name the variable and the credential, never a
value. No Robot Framework.
"""

from __future__ import annotations

import configparser
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import CredentialFileError

Kind = Literal["json", "ini", "text"]
MIN_SECRET = 8  # shorter values (a region, "default") are not worth masking and would garble logs


@dataclass(frozen=True)
class CredentialFormat:
    file_name: str
    kind: Kind
    what: str  # what the readers of the variable expect, for messages


FORMATS = {
    "GOOGLE_APPLICATION_CREDENTIALS": CredentialFormat(
        "google-credentials.json", "json", "a JSON object (a service-account or authorized-user key file)"
    ),
    "AWS_SHARED_CREDENTIALS_FILE": CredentialFormat(
        "aws-credentials", "ini", "an INI file with a [default] (or named) section of aws_access_key_id and keys"
    ),
    "AWS_CONFIG_FILE": CredentialFormat("aws-config", "ini", "an INI file with [default] or [profile NAME] sections"),
}
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_of(variable: str, file_name: str | None = None) -> CredentialFormat:
    """The format ``variable`` expects; an unknown variable takes the value as text, in a file named after it."""
    if not VARIABLE.fullmatch(variable):
        raise CredentialFileError(f"'{variable}' is not an environment variable name (letters, digits, _).")
    known = FORMATS.get(variable, CredentialFormat(variable.lower(), "text", "the credential as text"))
    if file_name is None:
        return known
    if file_name in ("", ".", "..") or "/" in file_name or "\\" in file_name:
        raise CredentialFileError(f"file_name '{file_name}' must be a plain file name (no folders).")
    return CredentialFormat(file_name, known.kind, known.what)


def secret_parts(variable: str, credential: str, value: str, kind: Kind) -> list[str]:
    """The value, and each part of it worth masking on its own; fails when it is not what ``variable`` expects."""
    parts = [value]
    if kind == "json":
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise _wrong(variable, credential, f"it is not JSON ({error.msg} at line {error.lineno})") from None
        if not isinstance(data, dict):
            raise _wrong(variable, credential, "it is JSON but not an object")
        parts += secret_leaves(data)
    elif kind == "ini":
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(value)
        except configparser.Error as error:
            raise _wrong(variable, credential, f"it is not INI ({type(error).__name__})") from None
        if not parser.sections():
            raise _wrong(variable, credential, "it has no [section]")
        parts += [item for section in parser.sections() for item in parser[section].values() if len(item) >= MIN_SECRET]
    return parts


def write_file(folder: Path, form: CredentialFormat, value: str) -> Path:
    """Write ``value`` as ``folder/form.file_name``, readable by this user only (0600), never over another file."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / form.file_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value if value.endswith("\n") or form.kind == "json" else value + "\n")
    return path


def _wrong(variable: str, credential: str, problem: str) -> CredentialFileError:
    expected = FORMATS[variable].what if variable in FORMATS else "text"
    return CredentialFileError(
        f"{variable} expects {expected}, but credential {credential}: {problem}. Put the whole file's content "
        f"in {credential} (in the environment or .env.live)."
    )


def secret_leaves(data: Any) -> list[str]:
    """Every string in JSON data long enough to mask on its own (a region or "default" is not)."""
    if isinstance(data, str):
        return [data] if len(data) >= MIN_SECRET else []
    if isinstance(data, dict):
        return [leaf for item in data.values() for leaf in secret_leaves(item)]
    if isinstance(data, list):
        return [leaf for item in data for leaf in secret_leaves(item)]
    return []
