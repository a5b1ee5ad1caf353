"""lrkit: learning-rate schedules (and momentum, weight decay, betas) as pure functions of time.

>>> import lrkit
>>> sched = lrkit.warmup(lrkit.cosine(t_initial=100, lr_min=1e-5), warmup_t=5, warmup_lr_init=1e-6)
>>> round(sched(50, base=0.1), 6)
0.050005
>>> lrkit.from_dict(sched.to_dict()) == sched
True

``import lrkit`` needs only NumPy and array-api-compat; ``lrkit.torch`` binds schedules to
torch optimizers and ``lrkit.plot`` draws them.
"""

from lrkit import tree
from lrkit.combinators import (
    clamp,
    cycles,
    horizon,
    multiplier,
    noise,
    product,
    rebase,
    reverse,
    scale,
    sequence,
    shift,
    stairs,
    stretch,
    warmup,
)
from lrkit.config import create, load
from lrkit.schedule import SCALAR, Schedule, from_dict, registered, sample
from lrkit.shapes import (
    constant,
    cosine,
    cosine_power,
    cosine_wave,
    cyclic,
    exp_ramp,
    exponential,
    from_callable,
    inverse_time,
    linear,
    log_ramp,
    multistep,
    one_cycle,
    piecewise_constant,
    piecewise_cosine,
    piecewise_linear,
    poly,
    rsqrt,
    step,
    tanh,
    wsd,
)

__version__ = "0.1.0"


def register_noise_generator(name: object, generator: object) -> None:
    """Removed: noise generators are nodes now; this says what to write instead."""
    raise TypeError(
        "lrkit.register_noise_generator is gone: a noise with other draws is a node of its own, "
        "a subclass of lrkit.noise overriding _draw(keys) (timm's torch draws: "
        "lrkit.recipes.timm.TorchNoise)"
    )


__all__ = [
    "SCALAR",
    "Schedule",
    "clamp",
    "constant",
    "cosine",
    "cosine_power",
    "cosine_wave",
    "create",
    "cycles",
    "cyclic",
    "exponential",
    "from_callable",
    "from_dict",
    "horizon",
    "exp_ramp",
    "inverse_time",
    "log_ramp",
    "linear",
    "load",
    "multiplier",
    "multistep",
    "noise",
    "one_cycle",
    "piecewise_constant",
    "piecewise_cosine",
    "piecewise_linear",
    "poly",
    "product",
    "rebase",
    "register_noise_generator",
    "registered",
    "reverse",
    "rsqrt",
    "sample",
    "scale",
    "sequence",
    "shift",
    "stairs",
    "step",
    "stretch",
    "tanh",
    "tree",
    "warmup",
    "wsd",
]
