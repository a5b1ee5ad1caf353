"""lrkit's own shapes as recipes: ``lrkit:cosine`` takes :func:`lrkit.cosine`'s arguments.

They count whatever the driver counts (epochs by default), so they are registered in epochs.
Combinators are not recipes: they take schedules, which a config file writes as a tree.

>>> from lrkit.recipes.registry import resolve
>>> resolve("lrkit:step", {"decay_t": 30})[1]
step(decay_t=30)
"""

from __future__ import annotations

from lrkit import combinators, shapes
from lrkit.recipes.registry import register, register_examples, register_node_examples

__all__: list[str] = []

for _builder in (
    shapes.Constant,
    shapes.Step,
    shapes.MultiStep,
    shapes.Exponential,
    shapes.Linear,
    shapes.Cosine,
    shapes.CosineWave,
    shapes.Tanh,
    shapes.Poly,
    shapes.Rsqrt,
    shapes.OneCycle,
    shapes.Cyclic,
    shapes.PiecewiseLinear,
    shapes.PiecewiseConstant,
    shapes.PiecewiseCosine,
    shapes.InverseTime,
    shapes.CosinePower,
    shapes.LogRamp,
    shapes.ExpRamp,
):
    register(f"lrkit:{_builder.name}")(_builder)
register("lrkit:wsd")(shapes.wsd)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "lrkit:constant": [{}, {"factor": 0.5}],
        "lrkit:cosine": [{"t_initial": 10}, {"t_initial": 12, "lr_min": 0.01, "k_decay": 1.5}],
        "lrkit:cosine_wave": [{"t_initial": 10, "cycles": 1.5, "lr_min": 0.01}],
        "lrkit:cyclic": [
            {"max_lr": 2.0, "step_size_up": 3},
            {"max_lr": 2.0, "step_size_up": 2, "step_size_down": 5, "mode": "exp_range", "gamma": 0.9},
        ],
        "lrkit:exponential": [{"gamma": 0.9}],
        "lrkit:inverse_time": [{"decay_rate": 0.5, "decay_t": 3}],
        "lrkit:log_ramp": [{"t_initial": 7}, {"t_initial": 4, "start_factor": 0.1}],
        "lrkit:exp_ramp": [{"period": 5}],
        "lrkit:piecewise_constant": [{"boundaries": [3, 7], "factors": [1.0, 0.5, 0.1]}],
        "lrkit:piecewise_cosine": [{"points": [(0, 0.1), (5, 1.0), (20, 0.05)]}],
        "lrkit:cosine_power": [{"t_initial": 10, "exponent": 2.0, "end_factor": 0.05}],
        "lrkit:linear": [{"t_initial": 8, "start_factor": 0.1, "end_factor": 1.0}],
        "lrkit:multistep": [{"milestones": [3, 6], "decay_rate": 0.5}],
        "lrkit:one_cycle": [
            {"total_t": 30},
            {"total_t": 40, "pct_start": 0.25, "anneal": "linear", "three_phase": True},
        ],
        "lrkit:piecewise_linear": [{"points": [(0, 0.0), (5, 1.0), (20, 0.1)]}],
        "lrkit:poly": [{"t_initial": 10, "power": 2.0, "lr_min": 0.01}],
        "lrkit:rsqrt": [{"timescale": 5}],
        "lrkit:step": [{"decay_t": 3, "decay_rate": 0.5}],
        "lrkit:tanh": [{"t_initial": 10}],
        "lrkit:wsd": [
            {"t_initial": 20, "decay_t": 5},
            {
                "t_initial": 20,
                "decay_t": 5,
                "warmup_t": 2,
                "lr_min": 0.01,
                "stable_fn": "rsqrt",
                "decay_fn": "exp",
            },
        ],
    }
)


# The combinators take schedules, not keywords: their examples are whole schedules, drawn by the
# gallery beside the shapes (see registry.register_node_examples).
register_node_examples(
    {
        "warmup": [
            combinators.warmup(shapes.cosine(t_initial=30, lr_min=0.005), warmup_t=5, warmup_lr_init=0.01),
            combinators.warmup(shapes.cosine(t_initial=30, lr_min=0.005), warmup_t=5, prefix=True),
        ],
        "sequence": [
            combinators.sequence(
                [
                    shapes.linear(t_initial=5, start_factor=0.1, end_factor=1.0),
                    shapes.constant(),
                    shapes.cosine(t_initial=20, lr_min=0.001),
                ],
                boundaries=[5, 15],
            )
        ],
        "cycles": [
            combinators.cycles(
                shapes.cosine(t_initial=10, lr_min=0.002), cycle_mul=2, cycle_decay=0.5, cycle_limit=3
            )
        ],
        "noise": [
            combinators.noise(shapes.cosine(t_initial=40, lr_min=0.001), range_t=(5, 35), pct=0.3, std=1.0)
        ],
        "clamp": [
            combinators.clamp(shapes.cosine_wave(t_initial=20, cycles=1.5), min_value=0.02, max_value=0.08)
        ],
        "scale": [0.5 * shapes.cosine(t_initial=20)],
        "multiplier": [combinators.multiplier(shapes.cosine(t_initial=20, lr_min=0.5))],
        "product": [combinators.product([shapes.exp_ramp(period=3), shapes.cosine(t_initial=30)])],
        "rebase": [combinators.rebase(shapes.one_cycle(total_t=30), base=0.05)],
        "stairs": [combinators.stairs(shapes.cosine(t_initial=20), every=4)],
        "shift": [combinators.shift(shapes.cosine(t_initial=20), by=5)],
        "reverse": [combinators.reverse(shapes.poly(t_initial=20, power=2.0))],
        "stretch": [combinators.stretch(shapes.exponential(gamma=0.5), by=5)],
        "horizon": [combinators.horizon(shapes.poly(t_initial=10, power=2.0))],
    }
)
