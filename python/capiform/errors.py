"""The exceptions of capiform: every one carries the list of problems with their paths."""

from typing import List, NamedTuple


class Problem(NamedTuple):
    """One problem: the field path (``nodeGroups[0].machineFlavor``; empty when the problem
    is not about one field) and what is wrong and what is allowed."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class CapiformError(Exception):
    """Base class. ``problems`` lists every problem found (at least one)."""

    def __init__(self, message: str, problems: List[Problem]):
        super().__init__(message)
        self.problems = list(problems)


class InvalidValuesError(CapiformError):
    """The values do not describe a valid cluster; ``problems`` has one entry per field."""


class ValuesSyntaxError(CapiformError):
    """A values document (or the existing objects) could not be read."""


class TemplateSetError(CapiformError):
    """The template set asked for does not exist or is broken."""


class KubernetesError(CapiformError):
    """The management cluster refused or failed a request (apply, status, uninstall)."""


_BY_KIND = {
    "invalid": InvalidValuesError,
    "syntax": ValuesSyntaxError,
    "template-set": TemplateSetError,
    "kubernetes": KubernetesError,
}


def from_native(err: Exception) -> CapiformError:
    """The exception for a ``_native.NativeError(kind, message, problems)``."""
    kind, message, problems = err.args
    cls = _BY_KIND.get(kind, CapiformError)
    return cls(message, [Problem(p, m) for p, m in problems])
