"""Errors that speak to the user: what went wrong, where, and what to do about it."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class for every error the workbench reports to a user; ``str()`` is the one-line message."""


class InputError(WorkbenchError):
    """One input (file, row, line) cannot be read. The rest of the batch goes on."""

    def __init__(self, origin: str, problem: str, hint: str = "", line: int | None = None):
        self.origin = origin
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{origin}:{line}" if line is not None else origin
        message = f"{where}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class ConfigError(WorkbenchError):
    """A setting has a value the workbench cannot use."""


class ModelUnavailableError(WorkbenchError):
    """An encoder model cannot be loaded offline.

    ``problem`` says what is wrong; the message adds ``advice`` for the command line (flags),
    which the browser workbench replaces with its own."""

    def __init__(self, problem: str, advice: str = ""):
        super().__init__(f"{problem}. {advice}" if advice else problem)
        self.problem = problem


class IndexMismatchError(WorkbenchError):
    """A persisted index was built with another model or for another workspace."""


class IndexDamagedError(WorkbenchError):
    """A persisted index file is missing, truncated or unreadable; the message names it and the
    command that rebuilds it."""


class ScoringSpaceChangedError(IndexMismatchError):
    """A persisted index holds vectors in an earlier scoring space; analysis re-scores them."""


class StoreError(WorkbenchError):
    """The workspace database cannot be opened or is newer than this tool."""


class EngineError(WorkbenchError):
    """The engine analysis runs on (``engine.backend``, a Ray cluster) cannot be used."""
