"""The :class:`Schedule` type: a pure function of time, its evaluation and its dict round-trip.

A schedule maps a time ``t`` (epochs or updates, fractional allowed) and a ``base`` value (a
parameter group's initial lr, or 1.0 for a multiplier) to a value. Each shape writes its
formula once, against an *array namespace* ``xp``: the NumPy or torch namespace found by
``array-api-compat`` for array input, or :data:`SCALAR`, a namespace of ``math`` functions, for
plain Python numbers. The scalar path never builds an array, so stepping a scheduler inside a
training loop costs a few microseconds.

Formulas receive ``t`` already validated (finite, ``>= 0``) and, in array mode, already an
array of a floating dtype. Because ``xp.where`` evaluates both branches, every formula keeps the
inputs of the branch it does not take inside their domain (no ``log`` of a negative number,
no fractional power of one); the combinators pass clamped local times for that reason.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
from collections.abc import Mapping
from typing import Any, ClassVar

import array_api_compat
import numpy as np

__all__ = [
    "SCALAR",
    "Schedule",
    "from_dict",
    "register",
    "registered",
    "schedule_class",
    "sample",
]


class _ScalarNamespace:
    """The subset of the array API the formulas use, on Python floats."""

    pi = math.pi
    cos = staticmethod(math.cos)
    sin = staticmethod(math.sin)
    tanh = staticmethod(math.tanh)
    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)
    floor = staticmethod(math.floor)
    minimum = staticmethod(min)
    maximum = staticmethod(max)
    abs = staticmethod(abs)

    @staticmethod
    def where(condition: bool, if_true: Any, if_false: Any) -> Any:
        return if_true if condition else if_false

    @staticmethod
    def clip(x: float, lower: float, upper: float) -> float:
        return min(max(x, lower), upper)

    @staticmethod
    def full_like(x: float, value: float) -> float:
        return value

    def __repr__(self) -> str:
        return "lrkit.SCALAR"


#: The namespace formulas see when ``t`` and ``base`` are plain Python numbers.
SCALAR = _ScalarNamespace()

_REGISTRY: dict[str, type[Schedule]] = {}


def register(cls: type[Schedule]) -> type[Schedule]:
    """Class decorator: make ``cls`` buildable by :func:`from_dict` under ``cls.name``."""
    name = cls.name
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"schedule name {name!r} is already registered to {_REGISTRY[name]!r}")
    _REGISTRY[name] = cls
    return cls


def schedule_class(cls: type[Schedule]) -> type[Schedule]:
    """Class decorator: ``cls`` as a frozen dataclass, registered under ``cls.name``."""
    return register(dataclasses.dataclass(frozen=True, repr=False)(cls))


def registered() -> dict[str, type[Schedule]]:
    """A copy of the name -> schedule class table that :func:`from_dict` reads."""
    return dict(_REGISTRY)


def _set(obj: Any, name: str, value: Any) -> None:
    # Schedules are frozen dataclasses; __post_init__ normalises fields through this.
    object.__setattr__(obj, name, value)


class Schedule:
    """A value as a pure function of time.

    Subclasses are frozen dataclasses: they compare by value, hash, and print as the call that
    builds them. Each implements ``_value(xp, t, base)``.
    """

    name: ClassVar[str] = ""
    #: True for shapes with a length (``t_initial``) that :func:`lrkit.cycles` can restart.
    finite: ClassVar[bool] = False
    #: False where the value is not ``a(t) * base + b(t)`` (a clamp, a max): the driver then
    #: evaluates each group on its own instead of once for all.
    affine: ClassVar[bool] = True

    def is_affine(self) -> bool:
        """True when the value is ``a(t) * base + b(t)``, inner schedules included."""
        if not self.affine:
            return False
        for field in dataclasses.fields(self) if dataclasses.is_dataclass(self) else ():
            value = getattr(self, field.name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, Schedule) and not child.is_affine():
                    return False
        return True

    # -- evaluation -------------------------------------------------------------------------

    def __call__(self, t: Any, base: Any = 1.0) -> Any:
        """The value at time ``t`` for a group whose base value is ``base``.

        ``t`` is a number, a NumPy array or a torch tensor (any device); the result has the
        same kind, shape (broadcast with ``base``) and device.
        """
        # Fast path: plain Python numbers, evaluated with math functions, no array in sight.
        if type(t) in (float, int) and type(base) in (float, int):
            if not 0.0 <= t < math.inf:
                raise ValueError(f"t must be a finite number >= 0, got {t!r}")
            return float(self._value(SCALAR, float(t), float(base)))
        return _evaluate(self, t, base)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        raise NotImplementedError

    # -- arithmetic -------------------------------------------------------------------------

    def __mul__(self, factor: Any) -> Schedule:
        if isinstance(factor, Schedule) or not _is_number(factor):
            return NotImplemented
        from lrkit.combinators import scale

        return scale(self, factor)

    __rmul__ = __mul__

    # -- printing and serialization -----------------------------------------------------------

    def __repr__(self) -> str:
        parts = []
        for index, field in enumerate(dataclasses.fields(self)):
            value = getattr(self, field.name)
            required = field.default is dataclasses.MISSING
            if not required and _same(value, field.default):
                continue
            if index == 0 and required and isinstance(value, (Schedule, tuple)) and not field.kw_only:
                parts.append(repr(value))
            else:
                parts.append(f"{field.name}={value!r}")
        return f"{self.name}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (dicts, lists, strings, numbers) that :func:`from_dict` rebuilds."""
        out: dict[str, Any] = {"type": self.name}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if callable(value) and not isinstance(value, Schedule):
                raise TypeError(
                    f"{self!r} holds a Python callable ({field.name}) and cannot be serialized; "
                    "build it from lrkit's named options to save it in a config or checkpoint"
                )
            out[field.name] = _plain(value)
        return out


def _same(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (_is_number(a) and _is_number(b) and a == b)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _plain(value: Any) -> Any:
    if isinstance(value, Schedule):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def from_dict(data: Mapping[str, Any]) -> Schedule:
    """Rebuild a schedule from :meth:`Schedule.to_dict` output (or a hand-written config).

    >>> from lrkit import cosine, from_dict
    >>> from_dict({"type": "cosine", "t_initial": 10}) == cosine(t_initial=10)
    True
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"a schedule dict must be a mapping, got {data!r}")
    if "type" not in data:
        raise ValueError(f"a schedule dict needs a 'type' key; got keys {sorted(data)}")
    name = data["type"]
    cls = _REGISTRY.get(name)
    if cls is None:
        raise ValueError(f"unknown schedule type {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key == "type":
            continue
        if key not in fields:
            raise ValueError(f"{name}: unknown key {key!r}; expected one of {', '.join(fields)}")
        kwargs[key] = _from_plain(value)
    return cls(**kwargs)


def _from_plain(value: Any) -> Any:
    if isinstance(value, Mapping) and "type" in value:
        return from_dict(value)
    if isinstance(value, list):
        return tuple(_from_plain(v) for v in value)
    return value


# -- array evaluation --------------------------------------------------------------------------


def _scalar_time(t: Any) -> float | None:
    """``t`` as a Python float if it is a scalar (Python, NumPy or 0-d convertible), else None."""
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(f"t must be a number or an array of numbers, got {t!r}")
    if isinstance(t, numbers.Real) or isinstance(t, np.generic):
        try:
            return float(operator.index(t))
        except TypeError:
            return float(t)
    return None


def _evaluate(schedule: Schedule, t: Any, base: Any) -> Any:
    scalar_t = _scalar_time(t)
    base_is_array = array_api_compat.is_array_api_obj(base)
    if isinstance(base, (list, tuple)):
        base = np.asarray(base, dtype=np.float64) if scalar_t is not None else list(base)
        base_is_array = isinstance(base, np.ndarray)
    elif not base_is_array:
        if not _is_number(base):
            raise TypeError(f"base must be a number or an array, got {base!r}")
        base = float(base)

    if scalar_t is not None and not base_is_array:
        return schedule(scalar_t, base)

    if scalar_t is not None:
        xp = array_api_compat.array_namespace(base)
        dtype = _float_dtype(xp, base)
        t = xp.asarray(scalar_t, dtype=dtype, device=array_api_compat.device(base))
    else:
        if not array_api_compat.is_array_api_obj(t):
            raise TypeError(f"t must be a number or an array, got {type(t).__name__}: {t!r}")
        xp = array_api_compat.array_namespace(t)
        if xp.isdtype(t.dtype, "bool"):
            raise TypeError(f"t must be numbers, got an array of dtype {t.dtype}")
        dtype = _float_dtype(xp, t)
        if t.dtype != dtype:
            t = xp.astype(t, dtype)
    # Two reductions, not a pass per comparison; a NaN makes min() NaN and fails the check too.
    if math.prod(t.shape):  # min() of nothing is an error, and nothing needs checking
        if not (bool(xp.min(t) >= 0) and bool(xp.max(t) < math.inf)):
            raise ValueError("t must be finite and >= 0 everywhere; got an array with a value outside")

    if isinstance(base, list):
        base = xp.asarray(base, dtype=dtype, device=array_api_compat.device(t))
    elif base_is_array:
        if array_api_compat.array_namespace(base) is not xp:
            base = xp.asarray(np.asarray(base), device=array_api_compat.device(t))
        if not xp.isdtype(base.dtype, "real floating"):
            base = xp.astype(base, dtype)

    result = schedule._value(xp, t, base)
    shape = _broadcast_shape(t, base)
    if not array_api_compat.is_array_api_obj(result) or tuple(result.shape) != shape:
        # Shapes that ignore t (a constant) or base return something narrower.
        result = xp.zeros(shape, dtype=dtype, device=array_api_compat.device(t)) + result
    return result


def _float_dtype(xp: Any, x: Any) -> Any:
    if xp.isdtype(x.dtype, "real floating"):
        return x.dtype
    info = xp.__array_namespace_info__()
    return info.default_dtypes(device=array_api_compat.device(x))["real floating"]


def _broadcast_shape(t: Any, base: Any) -> tuple[int, ...]:
    if not array_api_compat.is_array_api_obj(base):
        return tuple(t.shape)
    return tuple(np.broadcast_shapes(tuple(t.shape), tuple(base.shape)))


def sample(schedule: Schedule, n: int, base: Any = 1.0) -> np.ndarray:
    """The first ``n`` values, at ``t = 0, 1, ..., n - 1``, as a float64 NumPy array.

    With one base per parameter group (a 1-d ``base``) the result has shape ``(n, groups)``.

    >>> import lrkit
    >>> lrkit.sample(lrkit.step(decay_t=2, decay_rate=0.5), 5, base=0.1).tolist()
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    from lrkit._validate import integer

    n = integer("n", n, minimum=0)
    t = np.arange(n, dtype=np.float64)
    if np.ndim(base) == 1:
        t = t[:, None]
    return schedule(t, base)
