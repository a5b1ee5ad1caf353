"""Draw the schedules of the seed tutorials with lrkit: timm's step, multistep, cosine (warmup,
restarts, k-decay), tanh and noise, and YOLOv5's three parameter groups.

    python examples/demo.py [out_dir]    # default out/

Writes one PNG per figure and prints each path. timm's schedulers with ``t_in_epochs=True``
change the lr once per epoch, so those curves are drawn per epoch as staircases; YOLOv5 warms
up per update, so its curves are sampled at every one of its 30 updates per epoch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import lrkit
from lrkit.plot import plot
from lrkit.recipes.yolov5 import FollowWarmup

# The seeds' optimizers: timm's StepLR tutorial uses Adam at 1e-4, the timm tour SGD at 0.1.
STEP_LR = 1e-4
TOUR_LR = 0.1


def step_decay_rate(path: Path) -> None:
    plot(
        {
            "decay_rate=1.0 (no decay)": lrkit.step(decay_t=5, decay_rate=1.0),
            "decay_rate=0.5 (halve every 5 epochs)": lrkit.step(decay_t=5, decay_rate=0.5),
        },
        t_end=50,
        base=STEP_LR,
        title="timm StepLRScheduler, decay_t=5, lr=1e-4: decay_rate 1.0 vs 0.5",
        path=path,
    )


def step_warmup(path: Path) -> None:
    decay = lrkit.step(decay_t=5, decay_rate=0.8)
    plot(
        {
            # Drawn first: past the warmup the curves coincide and the later one shows.
            "without warmup": decay,
            "with warmup (warmup_t=2, warmup_lr_init=1e-5), as in the tutorial": lrkit.warmup(
                decay, warmup_t=2, warmup_lr_init=1e-5
            ),
            # timm 1.0's StepLRScheduler defaults to warmup_prefix=True, which the tutorial's
            # older timm did not have: the decays then come warmup_t epochs later.
            "the same with warmup_prefix=True (newer timm's default)": lrkit.warmup(
                decay, warmup_t=2, warmup_lr_init=1e-5, prefix=True
            ),
        },
        t_end=50,
        base=STEP_LR,
        marks="auto",
        title=(
            "timm StepLRScheduler, decay_t=5, decay_rate=0.8, lr=1e-4:\n"
            "with and without warmup; warmup_prefix delays the decays"
        ),
        path=path,
    )


def multistep(path: Path) -> None:
    milestones = [20, 50, 90]
    plot(
        {
            "lrkit.multistep = torch MultiStepLR: decays at epochs 20, 50, 90": lrkit.multistep(
                milestones, decay_rate=0.5
            ),
            # timm counts a milestone as passed one epoch early (bisect_right(decay_t, t + 1)).
            "timm MultiStepLRScheduler: one epoch earlier, = lrkit.multistep([19, 49, 89])": (
                lrkit.multistep([m - 1 for m in milestones], decay_rate=0.5)
            ),
        },
        t_end=100,
        base=TOUR_LR,
        marks=milestones,
        title=(
            "MultiStep, milestones [20, 50, 90], decay_rate=0.5, lr=0.1:\n"
            "torch decays at the milestone, timm one epoch before"
        ),
        path=path,
    )


def cosine_warmup(path: Path) -> None:
    cosine = lrkit.cosine(t_initial=100, lr_min=1e-4)
    plot(
        {
            "no warmup": cosine,
            "warmup_t=10 (cosine keeps its clock)": lrkit.warmup(cosine, warmup_t=10, warmup_lr_init=1e-4),
            "warmup_t=10, warmup_prefix=True (cosine starts after)": lrkit.warmup(
                cosine, warmup_t=10, warmup_lr_init=1e-4, prefix=True
            ),
        },
        t_end=110,
        base=TOUR_LR,
        marks="auto",
        title=(
            "timm CosineLRScheduler, t_initial=100, lr_min=1e-4, lr=0.1:\n"
            "linear warmup from 1e-4 over 10 epochs"
        ),
        path=path,
    )


def cosine_cycle_limit(path: Path) -> None:
    cosine = lrkit.cosine(t_initial=50, lr_min=1e-4)
    plot(
        {
            "cycle_limit=2": lrkit.cycles(cosine, cycle_limit=2),
            "cycle_limit=1 (then lr_min)": lrkit.cycles(cosine, cycle_limit=1),
        },
        t_end=100,
        base=TOUR_LR,
        marks="auto",
        title="timm CosineLRScheduler restarts, t_initial=50, lr_min=1e-4, lr=0.1:\ncycle_limit 2 vs 1",
        path=path,
    )


def cosine_cycle_decay(path: Path) -> None:
    plot(
        lrkit.cycles(lrkit.cosine(t_initial=33, lr_min=1e-4), cycle_limit=3, cycle_decay=0.8),
        t_end=100,
        base=TOUR_LR,
        marks="auto",
        title=(
            "Cosine restarts, t_initial=33, lr_min=1e-4, cycle_limit=3, cycle_decay=0.8:\n"
            "each cycle peaks 0.8 times lower (0.1, 0.08, 0.064)"
        ),
        path=path,
    )


def cosine_cycle_mul(path: Path) -> None:
    plot(
        lrkit.cycles(lrkit.cosine(t_initial=33, lr_min=1e-4), cycle_limit=2, cycle_mul=2.0),
        t_end=100,
        base=TOUR_LR,
        marks="auto",
        title=(
            "Cosine restarts, t_initial=33, lr_min=1e-4, cycle_limit=2, cycle_mul=2.0:\n"
            "each cycle twice as long (33, then 66 epochs)"
        ),
        path=path,
    )


def cosine_k_decay(path: Path) -> None:
    plot(
        {
            f"k_decay={k}": lrkit.cosine(t_initial=100, lr_min=1e-4, k_decay=k)
            for k in (1.0, 2.0)  # keep floats: the labels read as timm's arguments
        },
        t_end=100,
        base=TOUR_LR,
        title=(
            "timm CosineLRScheduler k_decay, t_initial=100, lr_min=1e-4, lr=0.1:\n"
            "cos(pi t^k / T^k): k=2 holds the lr high for longer"
        ),
        path=path,
    )


def tanh(path: Path) -> None:
    plot(
        {
            "lb=-7, ub=3 (default)": lrkit.tanh(t_initial=100, lr_min=1e-4),
            "lb=-3, ub=3": lrkit.tanh(t_initial=100, lb=-3, ub=3, lr_min=1e-4),
        },
        t_end=100,
        base=TOUR_LR,
        title="timm TanhLRScheduler, t_initial=100, lr_min=1e-4, lr=0.1:\n1 - tanh(lb (1 - t/T) + ub t/T)",
        path=path,
    )


def noise(path: Path) -> None:
    step = lrkit.step(decay_t=30, decay_rate=0.5)
    plot(
        {
            "noise_range_t=[0, 30], noise_pct=0.1, noise_std=1.0": lrkit.noise(
                step, range_t=(0, 30), pct=0.1, std=1.0
            ),
            "no noise": step,
        },
        t_end=100,
        base=TOUR_LR,
        marks={30: "noise range end"},
        title=(
            "timm StepLRScheduler, decay_t=30, decay_rate=0.5, lr=0.1:\n"
            "relative noise in epochs 0-29 (lrkit's generator)"
        ),
        path=path,
    )


def yolov5(path: Path) -> None:
    from matplotlib.figure import Figure

    epochs, per_epoch, lr0, lrf = 100, 30, 0.01, 0.2
    # YOLOv5: nw = max(round(3 * nb), 1000) warmup iterations, "max(3 epochs, 1k iterations)".
    warmup_t = max(round(3 * per_epoch), 1000) / per_epoch
    # lr0 * lf(x), lf = ((1 + cos(x * pi / epochs)) / 2) * (1 - lrf) + lrf, is this cosine.
    # YOLOv5's LambdaLR steps it once per epoch; evaluated per update it differs from that by
    # at most one epoch's change (about 1.3% of lr0), too little to see.
    one_cycle = lrkit.cosine(t_initial=epochs, lr_min=lrf * lr0)
    # np.interp(ni, [0, nw], [start, lr0 * lf(epoch)]) ramps towards the current lr: "follow".
    rising = FollowWarmup(one_cycle, warmup_t=warmup_t, warmup_lr_init=0.0)
    falling = FollowWarmup(one_cycle, warmup_t=warmup_t, warmup_lr_init=0.1)
    momentum = lrkit.warmup(lrkit.constant(), warmup_t=warmup_t, warmup_lr_init=0.8)

    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    panels = [
        ("group 0: BatchNorm and other parameters, from 0", rising, lr0, "learning rate"),
        ("group 1: weights (with weight decay), from 0", rising, lr0, "learning rate"),
        ("group 2: biases, from 0.1 down", falling, lr0, "learning rate"),
        ("momentum, every group: 0.8 to 0.937", momentum, 0.937, "momentum"),
    ]
    for ax, (title, schedule, base, ylabel) in zip(axes, panels, strict=True):
        plot(
            schedule,
            t_end=epochs,
            base=base,
            updates_per_epoch=per_epoch,
            marks="auto",
            title=title,
            ylabel=ylabel,
            ax=ax,
        )
    fig.suptitle(
        f"YOLOv5: one-cycle cosine from lr0={lr0} to lr0*lrf={lr0 * lrf:g} over {epochs} epochs;\n"
        f"warmup of max(3 epochs, 1000 updates) = {warmup_t * per_epoch:.0f} updates "
        f"({warmup_t:.1f} epochs of {per_epoch}) by np.interp",
        fontsize="large",
    )
    fig.savefig(path, dpi=150)


FIGURES: dict[str, Callable[[Path], None]] = {
    "step_decay_rate": step_decay_rate,
    "step_warmup": step_warmup,
    "multistep": multistep,
    "cosine_warmup": cosine_warmup,
    "cosine_cycle_limit": cosine_cycle_limit,
    "cosine_cycle_decay": cosine_cycle_decay,
    "cosine_cycle_mul": cosine_cycle_mul,
    "cosine_k_decay": cosine_k_decay,
    "tanh": tanh,
    "noise": noise,
    "yolov5": yolov5,
}


def main(argv: list[str]) -> None:
    out = Path(argv[1] if len(argv) > 1 else "out")
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        path = out / f"{name}.png"
        draw(path)
        print(path)


if __name__ == "__main__":
    main(sys.argv)
