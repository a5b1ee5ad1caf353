"""Argument checks shared by every factory.

Each check names the argument and the offending value, and raises ``TypeError`` for a value of
the wrong kind and ``ValueError`` for a value of the right kind outside its range. They never
use ``assert``: user input must be checked under ``python -O`` too.
"""

from __future__ import annotations

import contextlib
import math
import operator
import re
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "choice",
    "renamed",
    "integer",
    "real",
    "real_or_int",
    "flag",
]


def _reject_non_number(name: str, value: Any) -> None:
    # bool is an int subclass and str converts with float(); both are almost always mistakes.
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number, got {value!r}")


def integer(name: str, value: Any, *, minimum: int | None = None) -> int:
    """``value`` as a Python int (NumPy and torch integers accepted through ``__index__``)."""
    _reject_non_number(name, value)
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {result!r}")
    return result


def real(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
    strict_maximum: bool = False,
) -> float:
    """``value`` as a finite Python float within the given bounds."""
    _reject_non_number(name, value)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None:
        if result < minimum or (strict_minimum and result == minimum):
            op = ">" if strict_minimum else ">="
            raise ValueError(f"{name} must be {op} {minimum}, got {value!r}")
    if maximum is not None:
        if result > maximum or (strict_maximum and result == maximum):
            op = "<" if strict_maximum else "<="
            raise ValueError(f"{name} must be {op} {maximum}, got {value!r}")
    return result


def real_or_int(name: str, value: Any, **bounds: Any) -> int | float:
    """Like :func:`real`, but an integral input stays an ``int`` so reprs read as written."""
    checked = real(name, value, **bounds)
    try:
        return operator.index(value)
    except TypeError:
        return checked


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def choice(name: str, value: Any, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


@contextlib.contextmanager
def renamed(**names: str) -> Iterator[None]:
    """Re-raise argument errors from inner code under the names the caller's user typed.

    ``with renamed(pct="noise_pct"): Noise(...)`` turns "pct must be > 0" into
    "noise_pct must be > 0".
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        message = str(error)
        for inner, outer in names.items():
            message = re.sub(rf"\b{re.escape(inner)}\b", outer, message)
        raise type(error)(message) from None
