"""The suite's own error types: input it refuses, with a message that names the culprit.

Every error a user can cause by what they give the suite — a configuration value, a data file, a
bias file, a results tree, an output folder — is a :class:`NeurobenchError`. Its message names the
file (and the field inside it) or the configuration key, and says what is wrong, in one line a
command line can print without a traceback. They subclass ``ValueError`` so that callers who
catch ``ValueError`` keep working.

Nothing here imports the rest of the package, so every layer may raise these.
"""

from __future__ import annotations

from pathlib import Path


class NeurobenchError(ValueError):
    """Input refused by the suite; the message names the file or key and what is wrong."""


class ConfigError(NeurobenchError):
    """A configuration value is missing, unknown, of the wrong type, out of range or inconsistent
    with another key."""


class DatasetError(NeurobenchError):
    """A data file (dataset, corpus, bias file, results tree) is missing, malformed, truncated,
    empty or out of range.

    ``DatasetError(path, field, problem)`` formats ``"<path>: <field>: <problem>"``; a single
    argument is taken as the whole message (it must then name the file itself).
    """

    def __init__(self, path_or_message, field: str | None = None, problem: str | None = None):
        if problem is None and field is None:
            super().__init__(str(path_or_message))
            self.path, self.field = None, None
            return
        self.path = Path(path_or_message) if path_or_message is not None else None
        self.field = field
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{field + ': ' if field else ''}{problem}")


class OutputError(NeurobenchError):
    """A destination cannot take the results: not writable, full, or holding files the suite
    did not write."""
