"""The error every ``cxrqa`` subcommand reports the same way.

A command raises a subclass of :class:`CommandFailed` when it cannot finish for a reason a user
can act on (a report notebook that raised, an audit left without workers); ``cxrqa.cli.main``
prints its message as one ``cxrqa <command>: error: ...`` line on stderr and exits 1. Bad input
found before any work starts (a parameter, a missing file) exits 2 instead.
"""

from __future__ import annotations

__all__ = ["CommandFailed"]


class CommandFailed(RuntimeError):
    """A command could not finish; the message says why, for the one error line the CLI prints."""
