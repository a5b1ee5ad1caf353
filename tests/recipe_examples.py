"""Example arguments for every recipe the registry holds, shared by the tests that build them all.

A new recipe must get an entry here: ``test_registry.py`` fails while one is missing. The
examples draw no noise (a timm noise node needs torch to evaluate), so every schedule built
from them evaluates without torch.
"""

from __future__ import annotations

from typing import Any

import lrkit


# Module-level, so that the schedules holding them print something real.
def reciprocal(step: int) -> float:
    return 1.0 / (1.0 + step)


def ninety_percent(step: int) -> float:
    return 0.9


def halving(cycle: float) -> float:
    return 0.5 ** (cycle - 1)


#: Qualified recipe name -> example keyword arguments (one or more sets).
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    # lrkit's own shapes.
    "lrkit:constant": [{}, {"factor": 0.5}],
    "lrkit:cosine": [{"t_initial": 10}, {"t_initial": 12, "lr_min": 0.01, "k_decay": 1.5}],
    "lrkit:cosine_wave": [{"t_initial": 10, "cycles": 1.5, "lr_min": 0.01}],
    "lrkit:cyclic": [
        {"max_lr": 2.0, "step_size_up": 3},
        {"max_lr": 2.0, "step_size_up": 2, "step_size_down": 5, "mode": "exp_range", "gamma": 0.9},
    ],
    "lrkit:exponential": [{"gamma": 0.9}],
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
    # timm's.
    "timm:constant": [{}, {"warmup_t": 3, "warmup_lr_init": 0.1}],
    "timm:cosine": [
        {"t_initial": 10},
        {
            "t_initial": 10,
            "lr_min": 0.01,
            "cycle_mul": 2,
            "cycle_decay": 0.5,
            "cycle_limit": 3,
            "warmup_t": 2,
            "warmup_lr_init": 0.01,
        },
    ],
    "timm:multistep": [{"decay_t": [3, 6], "decay_rate": 0.5, "warmup_t": 2}],
    "timm:plateau": [{}, {"decay_rate": 0.5, "patience_t": 2, "mode": "min"}],
    "timm:poly": [{"t_initial": 10, "power": 2.0, "warmup_t": 2, "warmup_prefix": True}],
    "timm:rsqrt": [{"t_initial": 20, "decay_t": 4, "warmup_t": 2}],
    "timm:step": [{"decay_t": 3, "decay_rate": 0.5}],
    "timm:tanh": [
        {"t_initial": 10, "warmup_t": 3},
        {"t_initial": 10, "warmup_t": 3, "warmup_prefix": True, "cycle_limit": 2},
    ],
    "timm:wsd": [{"t_initial": 20, "decay_t": 5, "lr_min": 0.01}],
    # torch's.
    "torch:ChainedScheduler": [
        {"schedulers": [lrkit.step(decay_t=3, decay_rate=0.5), lrkit.exponential(gamma=0.9)]}
    ],
    "torch:ConstantLR": [{}, {"factor": 0.5, "total_iters": 3}],
    "torch:CosineAnnealingLR": [{"T_max": 10, "eta_min": 0.01}],
    "torch:CosineAnnealingWarmRestarts": [{"T_0": 3, "T_mult": 2, "eta_min": 0.01}],
    "torch:CyclicLR": [
        {"max_lr": 2.0, "step_size_up": 3},
        {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "mode": "triangular2"},
        {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "scale_fn": halving},
    ],
    "torch:ExponentialLR": [{"gamma": 0.9}],
    "torch:LambdaLR": [{"lr_lambda": reciprocal}],
    "torch:LinearLR": [{}, {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 8}],
    "torch:MultiplicativeLR": [{"lr_lambda": ninety_percent}],
    "torch:MultiStepLR": [{"milestones": [6, 3], "gamma": 0.5}],
    "torch:OneCycleLR": [
        {"max_lr": 0.1, "total_steps": 30},
        {"epochs": 3, "steps_per_epoch": 10, "three_phase": True, "anneal_strategy": "linear"},
    ],
    "torch:PolynomialLR": [{"total_iters": 8, "power": 2.0}],
    "torch:ReduceLROnPlateau": [{}, {"mode": "max", "factor": 0.5}],
    "torch:SequentialLR": [
        {
            "schedulers": [
                lrkit.linear(t_initial=5, start_factor=0.1, end_factor=1.0),
                lrkit.cosine(t_initial=10),
            ],
            "milestones": [5],
        }
    ],
    "torch:StepLR": [{"step_size": 3, "gamma": 0.5}],
    # transformers'.
    "transformers:constant": [{}],
    "transformers:constant_with_warmup": [{"num_warmup_steps": 4}],
    "transformers:cosine": [
        {"num_warmup_steps": 3, "num_training_steps": 20},
        {"num_warmup_steps": 0, "num_training_steps": 20, "num_cycles": 1.5},
    ],
    "transformers:cosine_warmup_with_min_lr": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr_rate": 0.1},
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01, "warmup_lr_rate": 0.2},
    ],
    "transformers:cosine_with_min_lr": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01},
        {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01, "base_lr": 0.1},
    ],
    "transformers:cosine_with_restarts": [{"num_warmup_steps": 2, "num_training_steps": 20, "num_cycles": 3}],
    "transformers:inverse_sqrt": [{"num_warmup_steps": 4}, {"num_warmup_steps": 0, "timescale": 7}],
    "transformers:linear": [{"num_warmup_steps": 3, "num_training_steps": 20}],
    "transformers:polynomial": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "power": 2.0},
        {"num_warmup_steps": 3, "num_training_steps": 20, "lr_end": 0.01, "base_lr": 0.1},
    ],
    "transformers:reduce_lr_on_plateau": [{}, {"factor": 0.5, "patience": 2}],
    "transformers:warmup_stable_decay": [
        {"num_warmup_steps": 3, "num_training_steps": 20, "num_decay_steps": 5},
        {
            "num_warmup_steps": 3,
            "num_training_steps": 20,
            "num_decay_steps": 5,
            "warmup_type": "1-sqrt",
            "decay_type": "linear",
            "min_lr_ratio": 0.1,
        },
    ],
}

#: Recipes whose examples hold Python callables or other schedules (built, not explored).
NEEDS_OBJECTS = frozenset(
    {"torch:ChainedScheduler", "torch:LambdaLR", "torch:MultiplicativeLR", "torch:SequentialLR"}
)


def holds_objects(kwargs: dict[str, Any]) -> bool:
    """Whether an example's arguments hold a Python callable or a schedule."""
    values = [x for value in kwargs.values() for x in (value if isinstance(value, list) else [value])]
    return any(callable(x) or isinstance(x, lrkit.Schedule) for x in values)


def cases() -> list[tuple[str, int, dict[str, Any]]]:
    """Every ``(qualified name, example index, kwargs)``."""
    return [(name, i, kwargs) for name, examples in EXAMPLES.items() for i, kwargs in enumerate(examples)]


def schedule_cases() -> list[tuple[str, int, dict[str, Any]]]:
    """The examples that build a schedule from plain arguments: no plateau, no callables or schedules.

    Which recipes are plateaus comes from the registry, so it is asked here (that imports
    every recipe module).
    """
    from lrkit.recipes import registry

    plateaus = {r.qualified for r in registry.recipes() if r.plateau}
    return [
        (name, i, kwargs)
        for name, i, kwargs in cases()
        if name not in plateaus and name not in NEEDS_OBJECTS and not holds_objects(kwargs)
    ]


def case_id(case: tuple[str, int, dict[str, Any]]) -> str:
    return f"{case[0]}#{case[1]}"


def build(name: str, kwargs: dict[str, Any]) -> Any:
    """What the recipe ``name`` builds from ``kwargs``, through the registry."""
    from lrkit.recipes import registry

    recipe, built = registry.resolve(name, kwargs)
    assert recipe.qualified == name
    return built
