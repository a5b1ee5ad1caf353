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
import functools
import math
import numbers
import operator
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import array_api_compat
import numpy as np

from lrkit.checks import integer, real_or_int

__all__ = [
    "SAME_CLOCK",
    "SCALAR",
    "Clock",
    "Scale",
    "Schedule",
    "add_finder",
    "add_reader",
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
    log1p = staticmethod(math.log1p)
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
# Higher layers plug in here: a finder imports the module that defines a node name the table
# lacks (a framework's node, "timm:noise"), so a tree loads in a fresh process; a reader turns
# a dict written by an older version into today's form.
_FINDERS: list[Callable[[str], None]] = []
_READERS: dict[str, list[Callable[[dict[str, Any]], dict[str, Any]]]] = {}


def register(cls: type[Schedule]) -> type[Schedule]:
    """Class decorator: make ``cls`` buildable by :func:`lrkit.from_dict` under ``cls.name``."""
    name = cls.name
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"schedule name {name!r} is already registered to {_REGISTRY[name]!r}")
    _REGISTRY[name] = cls
    return cls


def schedule_class(cls: type[Schedule]) -> type[Schedule]:
    """Class decorator: ``cls`` as a frozen dataclass, registered under ``cls.name``.

    A keyword in the class's ``moved`` table (an option an older version had) is refused with
    the table's word on what to write instead, not with Python's "unexpected keyword".
    """
    cls = dataclasses.dataclass(frozen=True, repr=False)(cls)
    moved = cls.__dict__.get("moved")
    if moved:
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
            for key in kwargs.keys() & moved.keys():
                raise TypeError(f"{cls.name}() no longer takes {key}=: {moved[key]}")
            init(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[method-assign]
    return register(cls)


def registered() -> dict[str, type[Schedule]]:
    """A copy of the name -> schedule class table that :func:`lrkit.from_dict` reads."""
    return dict(_REGISTRY)


def add_finder(finder: Callable[[str], None]) -> None:
    """Call ``finder(name)`` when :func:`lrkit.from_dict` meets a node name nobody has registered yet."""
    _FINDERS.append(finder)


def add_reader(name: str, reader: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Let ``reader`` rewrite every dict of node ``name`` before it is built (old trees' options)."""
    _READERS.setdefault(name, []).append(reader)


def _set(obj: Any, name: str, value: Any) -> None:
    # Schedules are frozen dataclasses; __post_init__ normalises fields through this.
    object.__setattr__(obj, name, value)


@dataclasses.dataclass(frozen=True)
class Clock:
    """Where a child's clock sits on its parent's: ``parent_t = offset + scale * child_t``.

    The child shows in the parent's value for ``start <= parent_t < end``. A child whose time
    is no affine map of its parent's (a restart's, a reversal's) has no clock (``None``).
    """

    offset: float = 0.0
    scale: float = 1.0
    start: float = 0.0
    end: float = math.inf


#: The clock of a child that runs on its parent's time.
SAME_CLOCK = Clock()


class Schedule:
    """A value as a pure function of time.

    Subclasses are frozen dataclasses: they compare by value, hash, and print as the call that
    builds them. Each implements ``_value(xp, t, base)``; one that holds other schedules says
    how their clocks sit on its own in :meth:`children`, and every one says in :attr:`length`
    when its value stops changing. Each class also declares ``name``, the node's name in
    :meth:`to_dict` and config files; ``finite``, true for shapes with a length that
    :func:`lrkit.cycles` can restart; and ``affine``, when its value is ``a(t) * base + b(t)``
    given affine children, so that a driver evaluates a schedule shared by many groups twice
    instead of once per group (:func:`lrkit.tree.is_affine`).
    """

    #: The node's name in :meth:`to_dict` and config files (``"cosine"``), which
    #: :func:`lrkit.from_dict` reads back through the node table.
    name: ClassVar[str] = ""
    #: True for shapes with a length (``t_initial``) that :func:`lrkit.cycles` can restart.
    finite: ClassVar[bool] = False
    #: Declared by a class itself (never inherited, see :func:`lrkit.tree.is_affine`): its value
    #: is ``a(t) * base + b(t)`` when its children's are, so the driver may evaluate a schedule
    #: shared by many groups twice instead of once per group.
    affine: ClassVar[bool] = False

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        """The schedules this one is built from, each with where its clock sits on this one's.

        By default every field holding a schedule (or a tuple of them), on this clock.
        """
        found = []
        for field in dataclasses.fields(self) if dataclasses.is_dataclass(self) else ():
            value = getattr(self, field.name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, Schedule):
                    found.append((child, SAME_CLOCK))
        return tuple(found)

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        """Times on this node's own clock worth a line on a plot (a phase's end), before ``until``."""
        return iter(())

    @property
    def length(self) -> float | None:
        """The time from which the value no longer changes; ``None`` when it never settles.

        A class that does not say is taken never to settle.
        """
        return None

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
            return self._held(float(t), float(base))
        return _evaluate(self, t, base)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        raise NotImplementedError

    def _held(self, t: float, base: float) -> float:
        """The value at the Python float ``t``, held at the largest finite float past the range.

        A growth (``exponential(gamma=1.01)``, a ``cycle_decay`` above 1) leaves the float range
        at a late enough time: its node holds the largest finite value there (:func:`_power`),
        and what still raises Python's ``OverflowError`` holds it here, as an array's evaluation
        holds it of its dtype, so floats, arrays and tensors agree (a base above 1 times a held
        growth is past the range too). A function of the user's is checked where its value comes
        out (:func:`lrkit.from_callable`), so nothing of the user's is held here. Every evaluation
        on floats (a driver's too) goes through here.
        """
        try:
            value = float(self._value(SCALAR, t, base))
        except OverflowError:
            return _FLOAT_MAX
        return _FLOAT_MAX if value == math.inf else value

    # -- arithmetic -------------------------------------------------------------------------

    def __mul__(self, factor: Any) -> Schedule:
        if isinstance(factor, Schedule) or not _is_number(factor):
            return NotImplemented
        return Scale(self, factor)

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
        # A framework's node ("timm:noise") prints as its class, the call that builds it.
        call = type(self).__name__ if ":" in self.name else self.name
        return f"{call}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (dicts, lists, strings, numbers) that :func:`lrkit.from_dict` rebuilds."""
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


@schedule_class
class Scale(Schedule):
    """``schedule`` multiplied by a number; ``0.5 * s`` builds one.

    ``v(t) = factor * schedule(t)``

    >>> from lrkit import constant
    >>> (0.5 * constant())(3, base=0.2)
    0.1
    """

    name: ClassVar[str] = "scale"
    affine: ClassVar[bool] = True
    schedule: Schedule
    factor: float

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"schedule must be an lrkit schedule, got {self.schedule!r}")
        # A negative factor would write negative values.
        _set(self, "factor", real_or_int("factor", self.factor, minimum=0.0))

    @property
    def length(self) -> float | None:
        return 0 if self.factor == 0 else self.schedule.length

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.factor * self.schedule._value(xp, t, base)

    def __repr__(self) -> str:
        inner = repr(self.schedule)
        if isinstance(self.schedule, Scale):
            inner = f"({inner})"  # else 0.5 * 0.5 * s reads back as one scale by 0.25
        return f"{self.factor!r} * {inner}"


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
        raise ValueError(f"a schedule dict needs a 'type' key; got keys {sorted(map(str, data))}")
    name = data["type"]
    if not isinstance(name, str):
        raise TypeError(f"a schedule dict's 'type' must be a node name (a string), got {name!r}")
    data = dict(data)  # the readers below rewrite it; the caller's stays as it was
    # Asked every time, not only for unknown names: the module that defines a node may also
    # read the old form of a known one (a core node's option that became that module's node).
    for finder in _FINDERS:
        finder(name)
    for reader in _READERS.get(name, ()):
        data = reader(data)
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
    if isinstance(t, (complex, np.complexfloating)):
        # float() of a NumPy complex drops the imaginary part with only a warning.
        raise TypeError(f"t must be a real number, got {t!r}")
    if isinstance(t, numbers.Real) or isinstance(t, np.generic):
        try:
            return float(operator.index(t))
        except TypeError:
            return float(t)
    return None


class _ArrayNamespace:
    """An array library's namespace as the formulas see it: ``xp`` itself, but for torch's
    ``minimum`` and ``maximum``, which take a Python number on either side.

    array-api-compat's torch namespace turns that number into a tensor through
    ``torch.result_type``, which ``torch.compile`` cannot trace (a graph break at every clamp
    of ``t``). Filled into a tensor like the other argument, the number has that argument's
    dtype, which is how the standard promotes a Python scalar, and ``full_like`` traces.
    """

    def __init__(self, xp: Any, kind: str) -> None:
        self.xp = xp
        #: "numpy", "torch", "jax" or "other": whose rules say when its data may be read.
        self.kind = kind
        # The functions the formulas call, looked up once (the rest through __getattr__).
        for name in _FORMULA_NAMES:
            if hasattr(xp, name) and name not in ("minimum", "maximum"):
                setattr(self, name, getattr(xp, name))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.xp, name)

    def minimum(self, x1: Any, x2: Any) -> Any:
        if self.kind == "torch":
            x1, x2 = _as_arrays(self.xp, x1, x2)
        return self.xp.minimum(x1, x2)

    def maximum(self, x1: Any, x2: Any) -> Any:
        if self.kind == "torch":
            x1, x2 = _as_arrays(self.xp, x1, x2)
        return self.xp.maximum(x1, x2)

    def __repr__(self) -> str:
        return f"lrkit's view of {self.xp.__name__}"


_FORMULA_NAMES = tuple(name for name in vars(_ScalarNamespace) if not name.startswith("_"))


def _as_arrays(xp: Any, x1: Any, x2: Any) -> tuple[Any, Any]:
    number1, number2 = isinstance(x1, (int, float)), isinstance(x2, (int, float))
    if number2 and not number1:
        return x1, xp.full_like(x1, x2)
    if number1 and not number2:
        return xp.full_like(x2, x1), x2
    return x1, x2


_NAMESPACES: dict[type, _ArrayNamespace | None] = {}


def _namespace(x: Any) -> _ArrayNamespace | None:
    """The namespace of the array ``x``, ``None`` if ``x`` is no array.

    Eagerly looked up once per type. Under ``torch.compile`` nothing cached is read: dynamo
    guards on every key of a dict it reads, so each new type in the table would recompile
    every compiled schedule.
    """
    if _compiling():
        return _compiled_namespace(x)
    found = _NAMESPACES.get(type(x), _NAMESPACES)
    if found is not _NAMESPACES:
        return found
    xp = None
    if array_api_compat.is_array_api_obj(x):
        kind = "other"
        for name in ("numpy", "torch", "jax"):
            if getattr(array_api_compat, f"is_{name}_array")(x):
                kind = name
        xp = _ArrayNamespace(array_api_compat.array_namespace(x), kind)
    _NAMESPACES[type(x)] = xp
    return xp


def _compiling() -> bool:
    # No torch imported, no torch.compile running; the core never imports torch itself.
    module = sys.modules.get("torch")
    return module is not None and module.compiler.is_compiling()


def _compiled_namespace(x: Any) -> _ArrayNamespace | None:
    """:func:`_namespace` under ``torch.compile``: found afresh at each trace, from types only."""
    if isinstance(x, sys.modules["torch"].Tensor):
        # Not looked up in sys.modules: a first compile may be what imports the compat module,
        # and a guard on its absence would fail in the very frame that made it.
        return _ArrayNamespace(array_api_compat.array_namespace(x), "torch")
    if isinstance(x, (bool, int, float, list, tuple)):
        return None
    if not array_api_compat.is_array_api_obj(x):
        return None
    return _ArrayNamespace(array_api_compat.array_namespace(x), "other")


def _device(xp: _ArrayNamespace, x: Any) -> Any:
    # A tensor's own attribute: array-api-compat's device() runs its type tests again.
    return x.device if xp.kind == "torch" else array_api_compat.device(x)


def _first_bad_time(xp: Any, t: Any) -> str:
    """Which time of an array is negative, NaN or infinite, and where: the first, and how many."""
    flat = xp.reshape(t, (-1,))
    bad = xp.logical_not((flat >= 0) & (flat < math.inf))
    marked = xp.astype(bad, flat.dtype)  # argmax and sum of a bool array differ between namespaces
    count = int(xp.sum(marked))
    first = int(xp.argmax(marked))
    index = np.unravel_index(first, tuple(t.shape))
    where = ", ".join(str(int(i)) for i in index)
    value = float(flat[first])
    others = f" (and {count - 1:,} more of its {math.prod(t.shape):,} values)" if count > 1 else ""
    return f"t[{where}] is {value!r}{others}"


def _evaluate(schedule: Schedule, t: Any, base: Any) -> Any:
    scalar_t = _scalar_time(t)
    base_xp = _namespace(base)
    if isinstance(base, (list, tuple)):
        base = np.asarray(base, dtype=np.float64) if scalar_t is not None else list(base)
        base_xp = _namespace(base) if isinstance(base, np.ndarray) else None
    elif base_xp is None:
        if not _is_number(base):
            raise TypeError(f"base must be a number or an array, got {base!r}")
        base = float(base)

    if scalar_t is not None and base_xp is None:
        return schedule(scalar_t, base)

    if scalar_t is not None:
        xp = base_xp
        dtype = _float_dtype(xp, base)
        # Filled on the device, not copied there (a copy from the host can synchronize).
        t = xp.full((), scalar_t, dtype=dtype, device=_device(xp, base))
    else:
        xp = _namespace(t)
        if xp is None:
            raise TypeError(f"t must be a number or an array, got {type(t).__name__}: {t!r}")
        if xp.isdtype(t.dtype, "bool") or xp.isdtype(t.dtype, "complex floating"):
            raise TypeError(f"t must be real numbers, got an array of dtype {t.dtype}")
        dtype = _float_dtype(xp, t)
        if t.dtype != dtype:
            t = xp.astype(t, dtype)
    # Two reductions, not a pass per comparison; a NaN makes min() NaN and fails the check too.
    # min() of nothing is an error, and nothing needs checking. Only values already in host
    # memory are read (see _readable): a traced t has none, and reading a device's would be a
    # device-to-host copy and a sync on every evaluation, so those are evaluated unchecked.
    if math.prod(t.shape) and _readable(xp, t):
        if not (bool(xp.min(t) >= 0) and bool(xp.max(t) < math.inf)):
            raise ValueError(f"t must be finite and >= 0 everywhere; {_first_bad_time(xp, t)}")

    if isinstance(base, list):
        base = xp.asarray(base, dtype=dtype, device=_device(xp, t))
    elif base_xp is not None:
        if base_xp.xp is not xp.xp:
            base = xp.asarray(np.asarray(base), device=_device(xp, t))
        if not xp.isdtype(base.dtype, "real floating"):
            base = xp.astype(base, dtype)

    if xp.kind == "numpy":
        # A growth past the float range is held below (see Schedule._held), not warned about.
        with np.errstate(over="ignore", invalid="ignore"):
            result = schedule._value(xp, t, base)
    else:
        result = schedule._value(xp, t, base)
    shape = _broadcast_shape(t, base)
    if not hasattr(result, "shape") or tuple(result.shape) != shape:
        # Shapes that ignore t (a constant) or base return something narrower.
        result = xp.zeros(shape, dtype=dtype, device=_device(xp, t)) + result
    return xp.minimum(result, xp.finfo(result.dtype).max)


def _readable(xp: _ArrayNamespace, x: Any) -> bool:
    """Whether reading the values of the array ``x`` (of namespace ``xp``) here is cheap:
    concrete data in host memory.

    True for NumPy arrays, eager torch tensors on the CPU and concrete JAX arrays on CPU
    devices: their data already sits in host memory, so the check of ``t`` costs its two
    reductions and no transfer, as it always did on NumPy, and a bad time from a CPU training
    loop is still caught. False under tracing (``torch.compile``, ``jax.jit``: there are no
    values yet), for data on an accelerator (reading it is a device-to-host copy and a sync
    at every evaluation) and for arrays of other libraries, which may be lazy or on a device.
    """
    if xp.kind == "numpy":
        return True
    if xp.kind == "torch":
        return x.device.type == "cpu" and not _traced(xp, x)
    if xp.kind == "jax":
        return not _traced(xp, x) and all(device.platform == "cpu" for device in x.devices())
    return False


def _traced(xp: _ArrayNamespace, x: Any) -> bool:
    """Whether the array ``x`` is being traced (``torch.compile``, ``jax.jit``): it has no values."""
    if xp.kind == "torch":
        return _compiling()
    if xp.kind == "jax":
        return isinstance(x, sys.modules["jax"].core.Tracer)
    return False


def _on_host(xp: _ArrayNamespace, x: Any) -> np.ndarray:
    """The values of the array ``x`` as a NumPy array (a copy where they are on a device)."""
    # JAX takes no "cpu" string for a device; NumPy's conversion copies from any of its own.
    if xp.kind in ("numpy", "jax"):
        return np.asarray(x)
    if xp.kind == "torch":
        # Values only: a tensor that requires grad has no numpy(), and NumPy has no bfloat16.
        x = x.detach()
        if x.dtype == sys.modules["torch"].bfloat16:
            x = x.float()
    return np.asarray(array_api_compat.to_device(x, "cpu"))


def _needs_values(xp: _ArrayNamespace, t: Any, why: Callable[[], str]) -> None:
    """Say that what follows reads the values of the array ``t`` on the host, which a traced
    ``t`` does not have; ``why()`` says what the node needs instead.

    Under ``torch.compile``, a graph break carrying that message: with ``fullgraph=True`` it
    is the error the user sees, otherwise the rest runs eagerly, values and all. Under
    ``jax.jit``, which has no eager rest, a ``TypeError`` with it.
    """
    if not _traced(xp, t):
        return
    if xp.kind == "torch":
        sys.modules["torch"]._dynamo.graph_break(msg=why())
        return
    raise TypeError(why())


_FLOAT_MAX = sys.float_info.max


def _power(xp: Any, x: float, k: Any) -> Any:
    """``x ** k`` for a factor ``x`` (a Python number), held at the largest finite value of its
    dtype where a growth (``x > 1``) would pass it.

    Held inside the node, not only at the end: a growth times 0 (``init_value=0``) stays 0
    instead of ``0 * inf``, which is NaN. A decay (``x <= 1``) cannot pass the range and pays
    nothing.
    """
    if x <= 1:
        return x**k
    if xp is SCALAR or isinstance(k, (int, float)):
        try:
            return min(float(x) ** k, _FLOAT_MAX)  # float: an int's exact power could take hours
        except OverflowError:
            return _FLOAT_MAX
    grown = x**k
    return xp.minimum(grown, xp.finfo(grown.dtype).max)


def _float_dtype(xp: Any, x: Any) -> Any:
    if xp.isdtype(x.dtype, "real floating"):
        return x.dtype
    info = xp.__array_namespace_info__()
    return info.default_dtypes(device=_device(xp, x))["real floating"]


def _broadcast_shape(t: Any, base: Any) -> tuple[int, ...]:
    if _namespace(base) is None:
        return tuple(t.shape)
    return tuple(np.broadcast_shapes(tuple(t.shape), tuple(base.shape)))


def sample(schedule: Schedule, n: int, base: Any = 1.0) -> np.ndarray:
    """The first ``n`` values, at ``t = 0, 1, ..., n - 1``, as a float64 NumPy array.

    With one base per parameter group (a 1-d ``base``) the result has shape ``(n, groups)``.

    >>> import lrkit
    >>> lrkit.sample(lrkit.step(decay_t=2, decay_rate=0.5), 5, base=0.1).tolist()
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    n = integer("n", n, minimum=0)
    t = np.arange(n, dtype=np.float64)
    if np.ndim(base) == 1:
        t = t[:, None]
    return schedule(t, base)


def ignores_base(schedule: Schedule, times: Any) -> bool:
    """Whether ``schedule`` gives the same values at ``times`` for any base: lrs of its own.

    A :func:`lrkit.rebase` (torch's ``OneCycleLR(max_lr=...)``) does; a schedule of factors
    does not. Read from values, bases 1 and 2, since a rebase can sit anywhere in a tree and
    a node of the user's own declares nothing: the plot calls such values lrs, and a driver
    refuses to move them by moving its bases.

    >>> import lrkit
    >>> ignores_base(lrkit.rebase(lrkit.cosine(t_initial=10), base=0.1), [0, 5, 10])
    True
    >>> ignores_base(lrkit.cosine(t_initial=10), [0, 5, 10])
    False
    """
    t = np.asarray(times, dtype=np.float64)
    with np.errstate(all="ignore"):
        one = np.asarray(schedule(t, 1.0), dtype=np.float64)
        two = np.asarray(schedule(t, 2.0), dtype=np.float64)
    return bool(np.array_equal(one, two, equal_nan=True))
