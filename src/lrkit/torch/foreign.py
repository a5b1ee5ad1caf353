"""An lrkit warmup on top of a foreign torch scheduler: pytorch-warmup's dampening, from lrkit schedules.

A training loop that keeps its own lr scheduler (a torch class, a library's, a hand-written
one) adds a warmup the way pytorch-warmup does: the scheduler writes the undampened lr, and
the warmup multiplies every group's lr by a factor ``omega(t)`` for step ``t`` (counted from 0;
the constructor dampens step 0). :class:`Dampening` takes that factor as an lrkit schedule (one
for every group, or one per group), evaluated as a multiplier, ``omega(t) = factor(t, base=1)``:
``lrkit.create("pytorch_warmup:LinearWarmup", warmup_period=...)`` gives pytorch-warmup's, and
any other lrkit schedule of a multiplier serves (``lrkit.warmup(lrkit.constant(), warmup_t=100)``).

>>> import torch, lrkit
>>> from lrkit.torch.foreign import Dampening
>>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
>>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
>>> warm = Dampening(opt, lrkit.create("pytorch_warmup:LinearWarmup", warmup_period=4))
>>> lrs = [opt.param_groups[0]["lr"]]
>>> for _ in range(5):
...     opt.step()
...     with warm.dampening():
...         sched.step()
...     lrs.append(opt.param_groups[0]["lr"])
>>> [round(lr, 6) for lr in lrs]
[0.025, 0.05, 0.0375, 0.05, 0.025, 0.025]

Between ``dampening()`` blocks the groups hold the dampened lr; inside one, the undampened lr
the scheduler last wrote, so a scheduler that reads the lr back (torch's chainable ones) sees
its own values. A tensor lr is written in place, never replaced by a float.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch

from lrkit import checks as v
from lrkit.schedule import Schedule

__all__ = ["Dampening"]

_FORMAT = "lrkit.torch.foreign.Dampening/1"


class Dampening:
    """Dampens every group's lr by ``factor(step, base=1)`` after whatever scheduler sets it.

    ``factor`` is one schedule for every group or a sequence of one per group, in steps.
    ``last_step`` is the step already dampened (-1: none; the constructor dampens
    ``last_step + 1``). Use it as pytorch-warmup's warmup schedulers are used: build it after
    the lr scheduler, then step the scheduler inside ``with dampening.dampening():`` after
    every ``optimizer.step()``.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        factor: Schedule | Sequence[Schedule],
        *,
        last_step: int = -1,
    ) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise v.wrong_type("optimizer", f"must be a torch optimizer, got {type(optimizer).__name__}")
        groups = optimizer.param_groups
        if isinstance(factor, Schedule):
            factors = (factor,) * len(groups)
        elif isinstance(factor, Sequence) and not isinstance(factor, (str, bytes)):
            factors = tuple(factor)
            if len(factors) != len(groups):
                raise v.invalid(
                    "factor", f"must hold one schedule per param group ({len(groups)}), got {len(factors)}"
                )
            for i, f in enumerate(factors):
                if not isinstance(f, Schedule):
                    raise v.wrong_type(f"factor[{i}]", f"must be an lrkit schedule, got {f!r}")
        else:
            raise v.wrong_type("factor", f"must be an lrkit schedule or a list of them, got {factor!r}")
        self.optimizer = optimizer
        self.factors = factors
        self.last_step = v.integer("last_step", last_step, minimum=-1)
        self.lrs = [_copy(group["lr"]) for group in groups]
        self.dampen()

    def factor(self, step: int) -> list[float]:
        """Every group's factor at ``step``."""
        t = float(v.integer("step", step, minimum=0))
        return [f._held(t, 1.0) for f in self.factors]

    def dampen(self, step: int | None = None) -> None:
        """Write every group's undampened lr times its factor at ``step`` (the next step by default)."""
        step = self.last_step + 1 if step is None else v.integer("step", step, minimum=0)
        omegas = self.factor(step)
        self.last_step = step
        for group, lr, omega in zip(self.optimizer.param_groups, self.lrs, omegas, strict=True):
            _put(group, lr * omega)

    @contextlib.contextmanager
    def dampening(self) -> Iterator[None]:
        """Inside: the undampened lrs, for the scheduler to step; on leaving, the next step dampened."""
        groups = self.optimizer.param_groups
        for group, lr in zip(groups, self.lrs, strict=True):
            _put(group, lr)
        yield
        self.lrs = [_copy(group["lr"]) for group in groups]
        self.dampen()

    def step(self, *schedulers: Any) -> None:
        """``with self.dampening():`` each scheduler's ``step()``, in order (none: the warmup alone)."""
        with self.dampening():
            for scheduler in schedulers:
                scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        """The step reached and the undampened lrs (the factors are the code's, as a scheduler's are)."""
        return {"format": _FORMAT, "last_step": self.last_step, "lrs": [_copy(lr) for lr in self.lrs]}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict`, or from a pytorch-warmup warmup's ``state_dict()``.

        The groups keep what the optimizer's own state restored (the dampened lr of that step).
        """
        if not isinstance(state, Mapping) or "last_step" not in state or "lrs" not in state:
            raise ValueError("not a Dampening (or pytorch-warmup) state_dict: it needs 'last_step' and 'lrs'")
        lrs = list(state["lrs"])
        if len(lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"the state_dict has lrs for {len(lrs)} param groups; the optimizer has "
                f"{len(self.optimizer.param_groups)}"
            )
        self.last_step = v.integer("last_step", state["last_step"], minimum=-1)
        self.lrs = [_copy(lr) for lr in lrs]

    def __repr__(self) -> str:
        shown = self.factors[0] if len(set(self.factors)) == 1 else list(self.factors)
        return f"Dampening({shown!r}, last_step={self.last_step})"


def _copy(lr: Any) -> Any:
    return lr.detach().clone() if isinstance(lr, torch.Tensor) else lr


def _put(group: dict[str, Any], value: Any) -> None:
    lr = group["lr"]
    if isinstance(lr, torch.Tensor):
        with torch.no_grad():
            lr.copy_(value)
    else:
        group["lr"] = value
