"""YOLOv5's schedule pieces, torch-free: its warmup, which ramps towards the lr of the moment.

:mod:`lrkit.yolo` builds YOLOv5's per-group lr and momentum from these and drives an optimizer
with them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lrkit.combinators import Warmup
from lrkit.schedule import add_reader, schedule_class

__all__ = ["FollowWarmup"]


@schedule_class
class FollowWarmup(Warmup):
    """YOLOv5's warmup: ``np.interp`` from ``warmup_lr_init`` towards the inner value at each ``t``.

    ``v(t) = warmup_lr_init + t * (s(t) - warmup_lr_init) / warmup_t`` for ``t < warmup_t``, then
    ``s(t)``: the ramp chases a target that moves (YOLOv5's lr target is ``lf(epoch)``, which
    changes every epoch of a long warmup).

    >>> from lrkit import linear
    >>> s = FollowWarmup(linear(t_initial=10), warmup_t=4)
    >>> [round(s(t), 12) for t in (0, 2, 4)]
    [0.0, 0.4, 0.6]
    """

    name: ClassVar[str] = "yolov5:warmup"
    affine: ClassVar[bool] = True

    def _target(self, xp: Any, t: Any, base: Any, after: Any) -> Any:
        return after


def _read_old_warmup(data: dict[str, Any]) -> dict[str, Any]:
    # Trees saved before this node existed wrote it as warmup(target="follow").
    if data.get("target") == "follow":
        del data["target"]
        data["type"] = FollowWarmup.name
    return data


add_reader("warmup", _read_old_warmup)
