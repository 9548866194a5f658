"""Every numeric flag of every command rejects nan, infinities and integers no program can use.

click's FLOAT takes "nan" and "inf", and its INT takes 99999999999999999999; both then fail deep in
the work with a traceback (a deque length, a seed, the Trainer's step count). `harden_numbers`
wraps the type of each INT / FLOAT parameter of a command tree once, so the flag itself is refused
as one line, before any work starts. Range checks (at least 1, a fraction...) stay with the
settings dataclasses, which check themselves.
"""

from __future__ import annotations

import math

import click

INT_LIMIT = 2**63 - 1  # what a C long (torch, numpy, a deque) takes


class _Checked(click.ParamType):
    """The wrapped type's conversion, then the value must be finite and fit a 64-bit integer."""

    def __init__(self, inner: click.ParamType):
        self.inner = inner
        self.name = inner.name

    def convert(self, value, param, ctx):
        converted = self.inner.convert(value, param, ctx)
        if isinstance(converted, float) and not math.isfinite(converted):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if isinstance(converted, int) and abs(converted) > INT_LIMIT:
            self.fail(f"{value!r} is too large", param, ctx)
        return converted

    def get_metavar(self, *args, **kwargs):
        return self.inner.get_metavar(*args, **kwargs)

    def to_info_dict(self):
        return self.inner.to_info_dict()


def harden_numbers(command: click.Command) -> click.Command:
    """Wrap every INT / FLOAT parameter of `command` and its subcommands (idempotent)."""
    for param in command.params:
        if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
            param.type = _Checked(param.type)
    for sub in getattr(command, "commands", {}).values():
        harden_numbers(sub)
    return command
