"""Argument checks, and the one error type that carries the argument the user typed.

A check raises :class:`InvalidValueError` (a ``ValueError``) for a value of the right kind outside
its range and :class:`InvalidTypeError` (a ``TypeError``) for a value of the wrong kind. Both keep
the names of the arguments they speak of apart from the sentence, so a layer that calls a
check under a name of its own (timm's ``decay_t`` for a multistep's ``milestones``, the
command's ``--epochs`` for ``t_initial``) renames the argument with :func:`renamed` instead of
rewriting text: the check is written once, where the argument is defined, and the message
still names what the user typed. Checks never use ``assert``: user input is checked under
``python -O`` too.
"""

from __future__ import annotations

import contextlib
import math
import operator
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = [
    "ArgumentError",
    "InvalidTypeError",
    "InvalidValueError",
    "choice",
    "flag",
    "integer",
    "real",
    "real_or_int",
    "renamed",
]


class ArgumentError(Exception):
    """An error about named arguments: a sentence with ``{name}`` slots, and the names in them.

    ``str()`` fills each slot with the name the user typed; :meth:`renamed` changes those names
    and nothing else. ``argument`` is the first (the one the error is about).
    """

    def __init__(self, template: str, *arguments: str, names: Mapping[str, str] | None = None) -> None:
        super().__init__(template, *arguments)
        self.template = template
        self.names = dict(names) if names is not None else {name: name for name in arguments}

    @property
    def argument(self) -> str:
        return next(iter(self.names.values()), "")

    def __str__(self) -> str:
        text = self.template
        for slot, name in self.names.items():
            text = text.replace("{" + slot + "}", name)
        return text

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.template, self.names))

    def renamed(self, names: Mapping[str, str]) -> ArgumentError:
        """The same error with the arguments in ``names`` called by their new names.

        An item of a list argument keeps its index: ``milestones[1]`` renamed from
        ``milestones`` to ``decay_t`` reads ``decay_t[1]``.
        """
        return _rebuild(type(self), self.template, {s: _rename(n, names) for s, n in self.names.items()})


def _rename(name: str, names: Mapping[str, str]) -> str:
    root, bracket, rest = name.partition("[")
    return names[root] + bracket + rest if root in names else name


def _rebuild(cls: type[ArgumentError], template: str, names: Mapping[str, str]) -> ArgumentError:
    return cls(template, names=names)


class InvalidValueError(ArgumentError, ValueError):
    """A value of the right kind outside what its argument allows."""


class InvalidTypeError(ArgumentError, TypeError):
    """A value of the wrong kind for its argument."""


def invalid(name: str, problem: str, *others: str) -> InvalidValueError:
    """``InvalidValueError`` for ``name``: ``problem`` follows the name, ``{other}`` slots name others."""
    return InvalidValueError("{" + name + "} " + problem, name, *others)


def wrong_type(name: str, problem: str, *others: str) -> InvalidTypeError:
    """``InvalidTypeError`` for ``name``, as :func:`invalid` words it."""
    return InvalidTypeError("{" + name + "} " + problem, name, *others)


@contextlib.contextmanager
def renamed(**names: str) -> Iterator[None]:
    """Errors raised inside name their arguments as the caller's user knows them.

    ``with renamed(pct="noise_pct"): Noise(...)`` turns "pct must be > 0" into
    "noise_pct must be > 0". Only :class:`ArgumentError` slots change; no text is searched.
    """
    try:
        yield
    except ArgumentError as error:
        raise error.renamed(names) from None


def _reject_non_number(name: str, value: Any) -> None:
    # bool is an int subclass and str converts with float(); both are almost always mistakes.
    # NumPy's and torch's bools and complex numbers convert too (a complex losing its imaginary
    # part with only a warning), so their dtype is looked at as well.
    dtype = str(getattr(value, "dtype", ""))
    kind_mistaken = "bool" in dtype or "complex" in dtype
    if isinstance(value, (bool, str, bytes, complex)) or value is None or kind_mistaken:
        raise wrong_type(name, f"must be a number, got {value!r}")


def integer(name: str, value: Any, *, minimum: int | None = None) -> int:
    """``value`` as a Python int (NumPy and torch integers accepted through ``__index__``)."""
    _reject_non_number(name, value)
    try:
        result = operator.index(value)
    except TypeError:
        raise wrong_type(name, f"must be an integer, got {value!r}") from None
    if minimum is not None and result < minimum:
        raise invalid(name, f"must be >= {minimum}, got {result!r}")
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
        raise wrong_type(name, f"must be a real number, got {value!r}") from None
    if not math.isfinite(result):
        raise invalid(name, f"must be finite, got {value!r}")
    if minimum is not None:
        if result < minimum or (strict_minimum and result == minimum):
            op = ">" if strict_minimum else ">="
            raise invalid(name, f"must be {op} {minimum}, got {value!r}")
    if maximum is not None:
        if result > maximum or (strict_maximum and result == maximum):
            op = "<" if strict_maximum else "<="
            raise invalid(name, f"must be {op} {maximum}, got {value!r}")
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
        raise wrong_type(name, f"must be True or False, got {value!r}")
    return value


def choice(name: str, value: Any, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise invalid(name, f"must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value
