"""The driver inside the compiled or captured step: ``Scheduler(..., capturable=True)``.

A training step compiled with ``torch.compile`` or captured in a CUDA graph replays operations
on tensors; a Python number the driver reads or writes per step is either baked into the graph
(a recompile, or a stale value on replay) or a device-to-host copy. So in this mode the time is
a 0-dim tensor on the optimizer's device, a bare ``step()`` adds one to it in place, and every
scheduled value is the schedule evaluated on that tensor and copied into the tensor the param
group already holds. Nothing per step is a Python number: ``opt.step(); sched.step()`` compiles
into the same frames as ``opt.step()`` alone, and replays in a CUDA graph.

What costs a host read is what asks for a number: ``t``, ``last_epoch``, ``get_last_lr()``,
``state_dict()``. Explicit times (``step(epoch)``, ``step_update(n)``, ``load_state_dict``)
fill the clock from a number read on the host, so inside a compiled or captured step, step
bare (``sched.step()``): a Python number would be baked into the graph, and a tensor count is
read with ``.item()``, which breaks the graph and, under CUDA capture, syncs with the host.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

__all__ = ["captured_class", "check_capturable", "cuda_graph"]


def cuda_graph(step: Callable[[], Any], warmup: int = 3) -> torch.cuda.CUDAGraph:
    """``step`` (``opt.step(); sched.step()``) captured in a CUDA graph; ``graph.replay()`` runs it.

    torch.cuda.graphs' recipe: ``warmup`` runs on a side stream first (they allocate the
    optimizer's state and let lazy initialisation happen outside the capture), then one
    capture, which records the kernels without running them. Each replay is one step, the
    driver's clock included, so ``sched.t`` counts the warm-up runs and the replays.
    """
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(warmup):
            step()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph


def check_capturable(groups: list[dict[str, Any]], fields: dict[str, tuple[str, int | None]]) -> None:
    """Refuse, before anything is written, values a capturable driver cannot fill in place.

    ``fields`` maps each field name to its ``(key, index)`` in a group; a key a group lacks is
    left to the driver's own check, which names it.
    """
    devices: dict[str, str] = {}
    for name, (key, index) in fields.items():
        for i, group in enumerate(groups):
            if key not in group:
                continue
            current = group[key] if index is None else group[key][index]
            if not isinstance(current, torch.Tensor):
                raise TypeError(
                    f"capturable=True fills each scheduled value in place, and param group {i} "
                    f"holds {name}={current!r}, a {type(current).__name__}: build the optimizer "
                    f"with a tensor there (e.g. {key}=torch.tensor({current!r}))"
                )
            devices.setdefault(str(current.device), f"{name} of param group {i}")
    if len(devices) > 1:
        where = ", ".join(f"{what} on {device}" for device, what in devices.items())
        raise ValueError(
            f"capturable=True keeps the time on one device, and the scheduled values are not: {where}"
        )


class _Captured:
    """Overrides of :class:`lrkit.torch.Scheduler` whose time lives in a device tensor."""

    capturable = True
    _clock: torch.Tensor
    _num_groups: int

    def _capture_setup(self) -> None:
        device = self._fields[0].target(self.optimizer.param_groups[0]).device  # type: ignore[attr-defined]
        # float64 keeps the eager driver's values (it evaluates in Python floats); MPS has none.
        dtype = torch.float32 if device.type == "mps" else torch.float64
        # One element, not a 0-d tensor: torch 2.13's compiled graphs drop an in-place update of
        # a 0-d float64 CPU tensor (the clock would never move); a 1-element one is kept.
        object.__setattr__(self, "_clock", torch.zeros(1, dtype=dtype, device=device))
        self._prepare_captured()

    def _prepare_captured(self) -> None:
        """Each field's groups per schedule, as tensors: bases and lr_scale once, not per step."""
        clock = self._clock
        groups = self.optimizer.param_groups  # type: ignore[attr-defined]
        plans = []
        for field in self._fields:  # type: ignore[attr-defined]
            for schedule, members, bases, _ in field._plan:
                scales = [
                    float(groups[i]["lr_scale"]) if field.scaled and "lr_scale" in groups[i] else 1.0
                    for i in members
                ]
                base = torch.tensor(bases, dtype=clock.dtype, device=clock.device)
                scale = None if all(s == 1.0 for s in scales) else torch.tensor(scales, dtype=clock.dtype)
                plans.append(
                    (field, schedule, members, base, None if scale is None else scale.to(clock.device))
                )
        object.__setattr__(self, "_captured_plans", plans)

    def _bases_moved(self) -> None:
        self._prepare_captured()  # base_lrs set: the tensors of the bases are made again

    # -- time -----------------------------------------------------------------------------------

    @property
    def _ticks(self) -> float:
        value = self._clock.item()
        return int(value) if float(value).is_integer() else value

    @_ticks.setter
    def _ticks(self, value: Any) -> None:
        self._clock.fill_(value)

    @property
    def _t(self) -> float:
        value = self._schedule_time().item()
        return int(value) if float(value).is_integer() else value

    @_t.setter
    def _t(self, value: Any) -> None:
        # The time follows the clock; explicit calls have set it already.
        return None

    def _schedule_time(self) -> torch.Tensor:
        upe = self.updates_per_epoch  # type: ignore[attr-defined]
        clock = self._clock[0]  # a 0-d view: the values come out shaped as the groups' tensors
        if self.unit == "epoch" and upe:  # type: ignore[attr-defined]
            return clock / upe
        return clock

    # -- stepping -------------------------------------------------------------------------------

    def step(self, epoch: Any = None, metric: Any = None) -> None:
        """One tick added to the clock in place, or (``epoch``) the eager driver's explicit step."""
        if epoch is None:
            self.metric = metric
            self._clock.add_(1)
            self._write_captured()
            return
        super().step(epoch, metric)  # type: ignore[misc]

    def _apply(self, t: Any) -> None:
        # Every caller set the clock (through _ticks) to the time t stands for.
        self._write_captured()

    def _write_captured(self) -> None:
        groups = self.optimizer.param_groups  # type: ignore[attr-defined]
        if len(groups) != self._num_groups:
            raise RuntimeError(
                f"the optimizer now has {len(groups)} param groups, this capturable scheduler was "
                f"built for {self._num_groups}; build a new one after add_param_group()"
            )
        time = self._schedule_time()
        for field, schedule, members, base, scale in self._captured_plans:
            values = schedule(time, base)
            if scale is not None:
                values = values * scale
            key, index = field.key, field.index
            for k, i in enumerate(members):
                target = groups[i][key] if index is None else groups[i][key][index]
                target.copy_(values[k])

    # -- reading --------------------------------------------------------------------------------

    def get_last_lr(self) -> list[float]:
        return [float(group["lr"]) for group in self.optimizer.param_groups]  # type: ignore[attr-defined]

    def get_last_values(self, field: str = "lr") -> list[float]:
        bound = self._field(field)  # type: ignore[attr-defined]
        groups = self.optimizer.param_groups  # type: ignore[attr-defined]
        if bound.index is None:
            return [float(g[bound.key]) for g in groups]
        return [float(g[bound.key][bound.index]) for g in groups]

    def get_lr(self) -> list[float]:
        return self.get_last_lr()

    def load_state_dict(self, state_dict: Any, **kwargs: Any) -> Any:
        report = super().load_state_dict(state_dict, **kwargs)  # type: ignore[misc]
        self._prepare_captured()  # the bases come from the checkpoint
        self._write_captured()
        return report


@functools.cache
def captured_class(cls: type) -> type:
    """``cls`` with its time in a device tensor (one class per driver class, made once)."""
    return type(f"Capturable{cls.__name__}", (_Captured, cls), {"__module__": cls.__module__})
