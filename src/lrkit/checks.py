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
import reprlib
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
    "shown",
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


_SHOWN = reprlib.Repr()
# A message shows what was typed, but never all of a 400-digit integer or a megabyte string.
_SHOWN.maxlong = _SHOWN.maxstring = _SHOWN.maxother = 48
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 6


def shown(value: Any) -> str:
    """``repr(value)`` cut to a few dozen characters, for an error message.

    >>> shown(10**400)
    '1000000000000000000000...0000000000000000000000'
    >>> shown(0.1), shown([1, 2, 3])
    ('0.1', '[1, 2, 3]')
    """
    try:
        return _SHOWN.repr(value)
    except Exception:  # a hostile __repr__ must not hide the error being reported
        return f"<{type(value).__name__} object>"


def _reject_non_number(name: str, value: Any) -> None:
    # bool is an int subclass and str converts with float(); both are almost always mistakes.
    # NumPy's and torch's bools and complex numbers convert too (a complex losing its imaginary
    # part with only a warning), so their dtype is looked at as well, and an array of several
    # numbers is no number (torch would say "Boolean value of Tensor ... is ambiguous").
    dtype = str(getattr(value, "dtype", ""))
    kind_mistaken = "bool" in dtype or "complex" in dtype
    if isinstance(value, (bool, str, bytes, complex)) or value is None or kind_mistaken:
        raise wrong_type(name, f"must be a number, got {shown(value)}")
    shape = getattr(value, "shape", None)
    if shape is not None and tuple(shape) != ():
        raise wrong_type(name, f"must be a single number, got an array of shape {tuple(shape)}")


def integer(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int (NumPy and torch integers accepted through ``__index__``)."""
    _reject_non_number(name, value)
    try:
        result = operator.index(value)
    except TypeError:
        raise wrong_type(name, f"must be an integer, got {shown(value)}") from None
    if minimum is not None and result < minimum:
        raise invalid(name, f"must be >= {minimum}, got {shown(result)}")
    if maximum is not None and result > maximum:
        raise invalid(name, f"must be <= {maximum}, got {shown(result)}")
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
    except OverflowError:
        # An integer past the float range (10 ** 400): no schedule can compute with it.
        raise invalid(name, f"must be finite, got {shown(value)} (past the float range)") from None
    except (TypeError, ValueError):
        raise wrong_type(name, f"must be a real number, got {shown(value)}") from None
    if not math.isfinite(result):
        raise invalid(name, f"must be finite, got {shown(value)}")
    if minimum is not None:
        if result < minimum or (strict_minimum and result == minimum):
            op = ">" if strict_minimum else ">="
            raise invalid(name, f"must be {op} {minimum}, got {shown(value)}")
    if maximum is not None:
        if result > maximum or (strict_maximum and result == maximum):
            op = "<" if strict_maximum else "<="
            raise invalid(name, f"must be {op} {maximum}, got {shown(value)}")
    return result


def real_or_int(name: str, value: Any, **bounds: Any) -> int | float:
    """Like :func:`real`, but an integral input stays an ``int`` so reprs read as written."""
    checked = real(name, value, **bounds)
    try:
        return operator.index(value)
    except TypeError:
        return checked


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool: True or False (or a NumPy or torch bool scalar), never a truthy value.

    timm tests flags for truth, so ``initialize="no"`` would switch a feature on.
    """
    if "bool" in str(getattr(value, "dtype", "")) and tuple(getattr(value, "shape", ())) == ():
        return bool(value)
    if not isinstance(value, bool):
        raise wrong_type(name, f"must be True or False, got {shown(value)}")
    return value


def choice(name: str, value: Any, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise invalid(name, f"must be one of {', '.join(map(repr, options))}; got {shown(value)}")
    return value
