"""lrkit's own shapes as recipes: ``lrkit:cosine`` takes :func:`lrkit.cosine`'s arguments.

They count whatever the driver counts (epochs by default), so they are registered in epochs.
Combinators are not recipes: they take schedules, which a config file writes as a tree.

>>> from lrkit.recipes.registry import resolve
>>> resolve("lrkit:step", {"decay_t": 30})[1]
step(decay_t=30)
"""

from __future__ import annotations

from lrkit import shapes
from lrkit.recipes.registry import register

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
