"""The one exception type a user ever sees.

Raise `UserError` for anything the user can fix (a missing file, a bad flag, an unknown name).
The CLI prints its message as a single line on stderr and exits with status 2, no traceback.
Messages name the file (and line, where there is one): ``dialogue.txt:12: ...``.
"""


class UserError(Exception):
    """A problem with the user's input or settings, reported as one line and exit code 2."""

    exit_code = 2

    def __init__(self, message: str, *, path=None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


def check_at_least(minimum, **values) -> None:
    """Raise UserError for the first value below `minimum` (or not a finite number), named as its flag:
    `check_at_least(1, max_tokens=0)` -> "--max-tokens must be at least 1 (got 0)"."""
    for name, value in values.items():
        check_finite(**{name: value})
        if value < minimum:
            raise UserError(f"{_flag(name)} must be at least {minimum} (got {value})")


def check_above(minimum, **values) -> None:
    """Raise UserError for the first value not above `minimum` (or not a finite number):
    `check_above(0, learning_rate=0)` -> "--learning-rate must be above 0 (got 0)"."""
    for name, value in values.items():
        check_finite(**{name: value})
        if not value > minimum:
            raise UserError(f"{_flag(name)} must be above {minimum} (got {value})")


def check_at_most(maximum, **values) -> None:
    """Raise UserError for the first value above `maximum` (or not a finite number)."""
    for name, value in values.items():
        check_finite(**{name: value})
        if value > maximum:
            raise UserError(f"{_flag(name)} must be at most {maximum} (got {value})")


def check_finite(**values) -> None:
    """Raise UserError for the first value that is nan or infinite (`float("nan") < 1` is False, so
    the range checks above would let it through)."""
    import math

    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{_flag(name)} must be a finite number (got {value})")


def check_fraction(**values) -> None:
    """Raise UserError for the first value outside [0, 1) (a share held out, a dropout rate):
    `check_fraction(val_ratio=1.0)` -> "--val-ratio must be in [0, 1) (got 1.0)"."""
    for name, value in values.items():
        if not 0.0 <= value < 1.0:
            raise UserError(f"{_flag(name)} must be in [0, 1) (got {value})")


def os_error_line(e: OSError) -> str:
    """One line for a filesystem error: "PATH: cause" (both paths of a rename), e.g.
    "datasets/Mara/report.json: No space left on device"."""
    cause = e.strerror or " ".join(str(e).split()) or type(e).__name__
    where = [str(p) for p in (e.filename, e.filename2) if p is not None]
    return f"{' -> '.join(where)}: {cause}" if where else cause


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def closest(name: str, choices, n: int = 3) -> list[str]:
    """Up to `n` of `choices` that look most like `name` (for 'did you mean' hints)."""
    import difflib

    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    if not hits:  # fall back to substring matches, then to the first few names
        hits = [c for c in lowered if name.lower() in c or c in name.lower()][:n]
    return [lowered[h] for h in hits] or choices[:n]
