"""lrkit's benchmarks: every comparison measured side by side in one process.

    python bench/run.py            # the full run; writes bench/results.json
    python bench/run.py --quick    # a short run that only checks everything still works

Each comparison interleaves its contenders (A, B, C, A, B, C, ...) and reports the median of
many repeats after a warm-up, so a busy machine slows all of them alike and the ratios hold.
No threshold is asserted here: the numbers go to the table and to ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import lrkit
from lrkit.torch import Scheduler

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from timm_ref import load_timm_scheduler  # noqa: E402  (the bare-package loader the tests use)

WARMUP_T, T_INITIAL, LR_MIN, WARMUP_LR = 500, 100_000, 1e-5, 1e-6


def schedule(t_initial: int = T_INITIAL) -> lrkit.Schedule:
    """The cosine with warmup every comparison uses."""
    return lrkit.warmup(
        lrkit.cosine(t_initial=t_initial, lr_min=LR_MIN), warmup_t=WARMUP_T, warmup_lr_init=WARMUP_LR
    )


def interleaved(contenders: dict[str, Callable[[], None]], number: int, repeats: int) -> dict[str, float]:
    """Median seconds per call of each contender, measured in alternation."""
    for fn in contenders.values():  # warm-up: caches, lazy imports, first-call paths
        for _ in range(max(1, number // 10)):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def sgd(groups: int) -> torch.optim.SGD:
    params = [
        {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1 * (i + 1) / groups} for i in range(groups)
    ]
    return torch.optim.SGD(params, lr=0.1, momentum=0.9)


def _step_contenders(groups: int) -> dict[str, Callable[[], None]]:
    """One step of each contender on its own optimizer with ``groups`` param groups."""
    timm = load_timm_scheduler()
    ours = Scheduler(sgd(groups), lr=schedule(), unit="update")
    theirs = timm.CosineLRScheduler(
        sgd(groups),
        t_initial=T_INITIAL,
        lr_min=LR_MIN,
        warmup_t=WARMUP_T,
        warmup_lr_init=WARMUP_LR,
        t_in_epochs=False,
    )
    torch_sched = torch.optim.lr_scheduler.CosineAnnealingLR(sgd(groups), T_max=T_INITIAL, eta_min=LR_MIN)
    floor_groups = sgd(groups).param_groups
    # Past the warmup, where a long run spends its steps.
    counter = {"lrkit": WARMUP_T, "timm": WARMUP_T}

    def lrkit_step() -> None:
        counter["lrkit"] += 1
        ours.step_update(counter["lrkit"])

    def timm_step() -> None:
        counter["timm"] += 1
        theirs.step_update(counter["timm"])

    def floor() -> None:
        for group in floor_groups:
            group["lr"] = 0.05

    return {"lrkit": lrkit_step, "timm": timm_step, "torch": torch_sched.step, "floor": floor}


def step_overhead(quick: bool) -> dict[str, dict[str, float]]:
    out = {}
    for groups in (1, 10, 100, 1000):
        number = max(20, (2_000 if quick else 20_000) // groups)
        with _quiet_torch_warnings():
            times = interleaved(_step_contenders(groups), number=number, repeats=5 if quick else 25)
        out[str(groups)] = {f"{name}_us": seconds * 1e6 for name, seconds in times.items()}
    return out


class _quiet_torch_warnings:
    # CosineAnnealingLR.step() without optimizer.step() warns once; the benchmark has no model.
    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc: object) -> None:
        self._catch.__exit__(*exc)


def curve_1m(quick: bool) -> dict[str, float]:
    """Every value of a run of ``n`` updates, its cosine as long as the run."""
    n = 100_000 if quick else 1_000_000
    timm = load_timm_scheduler()
    theirs = timm.CosineLRScheduler(
        sgd(1), t_initial=n, lr_min=LR_MIN, warmup_t=WARMUP_T, warmup_lr_init=WARMUP_LR, t_in_epochs=False
    )
    s = schedule(t_initial=n)
    base = 0.1

    def lrkit_curve() -> None:
        lrkit.sample(s, n, base=base)

    def timm_curve() -> None:
        [theirs._get_lr(t)[0] for t in range(n)]

    def numpy_curve() -> None:
        t = np.arange(n, dtype=np.float64)
        cosine = LR_MIN + 0.5 * (base - LR_MIN) * (1 + np.cos(np.pi * t / n))
        ramp = WARMUP_LR + t * ((base - WARMUP_LR) / WARMUP_T)
        np.where(t < WARMUP_T, ramp, cosine)

    # The same numbers, or the comparison means nothing.
    every = max(1, n // 1000)
    reference = np.array([theirs._get_lr(t)[0] for t in range(0, n, every)])
    if not np.allclose(lrkit.sample(s, n, base=base)[::every], reference, rtol=1e-12, atol=0):
        raise AssertionError("lrkit's curve differs from timm's")
    contenders = {"lrkit": lrkit_curve, "timm": timm_curve, "numpy": numpy_curve}
    times = interleaved(contenders, number=1, repeats=3 if quick else 5)
    return {f"{name}_ms": seconds * 1e3 for name, seconds in times.items()} | {"points": n}


def compile_steps(quick: bool) -> dict[str, Any]:
    steps = 30 if quick else 1000
    torch._dynamo.reset()
    hidden = 256 if quick else 700  # about 1M parameters in the full run
    model = torch.nn.Sequential(
        torch.nn.Linear(hidden, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, 10),
    )
    for p in model.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    optimizers = {
        "scheduled": torch.optim.AdamW(model.parameters(), lr=torch.tensor(1e-3), fused=True),
        "constant": torch.optim.AdamW(model.parameters(), lr=torch.tensor(1e-3), fused=True),
    }
    drivers = {"scheduled": Scheduler(optimizers["scheduled"], lr=schedule(), unit="update")}

    compiled = {name: torch.compile(opt.step) for name, opt in optimizers.items()}
    for fn in compiled.values():  # the first compile, not counted
        fn()
    frames_before = _compiles()
    per_step = {"scheduled": [], "constant": []}
    for n in range(1, steps + 1):
        for name in ("scheduled", "constant"):
            start = time.perf_counter()
            if name in drivers:
                drivers[name].step_update(n)
            compiled[name]()
            per_step[name].append(time.perf_counter() - start)
    recompiles = _compiles() - frames_before
    scheduled = statistics.median(per_step["scheduled"]) * 1e6
    constant = statistics.median(per_step["constant"]) * 1e6
    params = sum(p.numel() for p in model.parameters())
    return {
        "recompiles": recompiles,
        "steps": steps,
        "parameters": params,
        "step_us_scheduled": scheduled,
        "step_us_constant": constant,
    }


def capturable_steps(quick: bool) -> dict[str, Any]:
    """The schedule inside the compiled step (capturable=True) against a constant lr, side by side.

    Both contenders compile one function of the same model and fused AdamW: ``opt.step();
    sched.step()`` with the capturable driver, and ``opt.step()`` alone with a constant tensor
    lr. Beside them, the host time of one step of the eager driver (what the capturable mode
    takes off the host), and with a CUDA device, the captured CUDA graph's replay against the
    same step uncaptured.
    """
    steps = 30 if quick else 1000
    torch._dynamo.reset()
    hidden = 256 if quick else 700
    device = "cuda" if torch.cuda.is_available() else "cpu"

    def make() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
        ).to(device)
        for p in model.parameters():
            p.grad = torch.randn_like(p) * 1e-3
        lr = torch.tensor(1e-3, device=device)
        return model, torch.optim.AdamW(model.parameters(), lr=lr, fused=True, capturable=device == "cuda")

    _, scheduled_opt = make()
    _, constant_opt = make()
    sched = Scheduler(scheduled_opt, lr=schedule(), unit="update", capturable=True)

    def scheduled_step() -> None:
        scheduled_opt.step()
        sched.step()

    contenders = {"scheduled": torch.compile(scheduled_step), "constant": torch.compile(constant_opt.step)}
    for fn in contenders.values():  # the first compiles, not counted
        fn()
        fn()
    frames_before = _compiles()
    times = interleaved(contenders, number=max(1, steps // 10), repeats=10)
    recompiles = _compiles() - frames_before
    result: dict[str, Any] = {
        "device": device,
        "recompiles": recompiles,
        "step_us_capturable": times["scheduled"] * 1e6,
        "step_us_constant": times["constant"] * 1e6,
    }
    # The host time the eager driver spends per step, on the same optimizer shape.
    _, eager_opt = make()
    eager = Scheduler(eager_opt, lr=schedule(), unit="update")
    result["eager_driver_step_us"] = interleaved({"eager": eager.step}, number=200, repeats=5)["eager"] * 1e6
    if device == "cuda":
        result |= _cuda_graph(make, steps)
    return result


def _cuda_graph(
    make: Callable[[], tuple[torch.nn.Module, torch.optim.Optimizer]], steps: int
) -> dict[str, float]:
    """``opt.step(); sched.step()`` captured in one CUDA graph, replayed, against it uncaptured."""
    from lrkit.torch.capture import cuda_graph

    _, opt = make()
    sched = Scheduler(opt, lr=schedule(), unit="update", capturable=True)

    def step() -> None:
        opt.step()
        sched.step()

    graph = cuda_graph(step)
    _, plain_opt = make()
    plain = Scheduler(plain_opt, lr=schedule(), unit="update", capturable=True)

    def uncaptured() -> None:
        plain_opt.step()
        plain.step()

    def replay() -> None:
        graph.replay()

    def timed(fn: Callable[[], None]) -> float:
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        torch.cuda.synchronize()
        return (time.perf_counter() - start) / steps * 1e6

    return {"cuda_graph_step_us": timed(replay), "cuda_uncaptured_step_us": timed(uncaptured)}


def _compiles() -> int:
    from torch._dynamo.utils import counters

    return int(sum(counters["stats"].get(key, 0) for key in ("unique_graphs",)))


def float32_drift(quick: bool) -> dict[str, float]:
    steps = 20_000 if quick else 1_000_000
    gamma = 1 - 1e-5
    param = torch.zeros(1, requires_grad=True)
    ours_opt = torch.optim.SGD([param], lr=torch.tensor(0.1, dtype=torch.float32))
    torch_opt = torch.optim.SGD([param], lr=torch.tensor(0.1, dtype=torch.float32))
    ours = Scheduler(ours_opt, lr=lrkit.exponential(gamma=gamma), unit="update")
    with _quiet_torch_warnings():
        theirs = torch.optim.lr_scheduler.ExponentialLR(torch_opt, gamma=gamma)
        worst = {"lrkit": 0.0, "torch": 0.0}
        for n in range(1, steps + 1):
            ours.step_update(n)
            theirs.step()
            if n % 97 == 0 or n == steps:
                exact = 0.1 * gamma**n
                worst["lrkit"] = max(
                    worst["lrkit"], abs(ours_opt.param_groups[0]["lr"].item() - exact) / exact
                )
                worst["torch"] = max(
                    worst["torch"], abs(torch_opt.param_groups[0]["lr"].item() - exact) / exact
                )
    return {"lrkit_max_rel": worst["lrkit"], "torch_max_rel": worst["torch"], "steps": steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run that checks everything still works")
    parser.add_argument("--output", default=str(HERE / "results.json"), help="where to write the JSON")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # a scheduler step is single-threaded Python; keep torch from competing

    results: dict[str, Any] = {}
    results["step_overhead"] = step_overhead(args.quick)
    results["curve_1m"] = curve_1m(args.quick)
    results["compile"] = compile_steps(args.quick)
    results["capturable"] = capturable_steps(args.quick)
    results["float32_drift"] = float32_drift(args.quick)
    results["machine"] = {"torch": torch.__version__, "threads": torch.get_num_threads(), "quick": args.quick}

    print("step_update of cosine with warmup, microseconds per call (median)")
    header = ("groups", "lrkit", "timm", "torch", "floor", "lrkit/timm", "lrkit/floor")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (7, 9, 9, 9, 9, 11, 12), strict=True)))
    for groups, row in results["step_overhead"].items():
        print(
            f"{groups:>7} {row['lrkit_us']:>9.2f} {row['timm_us']:>9.2f} {row['torch_us']:>9.2f} "
            f"{row['floor_us']:>9.2f} {row['lrkit_us'] / row['timm_us']:>11.2f} "
            f"{row['lrkit_us'] / row['floor_us']:>12.2f}"
        )
    c = results["curve_1m"]
    print(
        f"\n{c['points']:,} values of cosine with warmup: lrkit {c['lrkit_ms']:.1f} ms, "
        f"timm {c['timm_ms']:.1f} ms, "
        f"numpy {c['numpy_ms']:.1f} ms; timm/lrkit {c['timm_ms'] / c['lrkit_ms']:.1f}, "
        f"lrkit/numpy {c['lrkit_ms'] / c['numpy_ms']:.2f}"
    )
    k = results["compile"]
    print(
        f"\ntorch.compile'd fused AdamW ({k['parameters']:,} parameters), {k['steps']} steps: "
        f"{k['recompiles']} recompiles; {k['step_us_scheduled']:.1f} us/step scheduled vs "
        f"{k['step_us_constant']:.1f} us constant, ratio {k['step_us_scheduled'] / k['step_us_constant']:.3f}"
    )
    k = results["capturable"]
    print(
        f"\ncapturable=True on {k['device']}, compiled opt.step(); sched.step(): "
        f"{k['step_us_capturable']:.1f} us/step vs {k['step_us_constant']:.1f} us for opt.step() with a "
        f"constant lr, ratio {k['step_us_capturable'] / k['step_us_constant']:.3f}, "
        f"{k['recompiles']} recompiles; the eager driver's host time {k['eager_driver_step_us']:.2f} us/step"
    )
    if "cuda_graph_step_us" in k:
        print(
            f"CUDA graph replay {k['cuda_graph_step_us']:.1f} us/step vs uncaptured "
            f"{k['cuda_uncaptured_step_us']:.1f} us, "
            f"ratio {k['cuda_graph_step_us'] / k['cuda_uncaptured_step_us']:.3f}"
        )
    d = results["float32_drift"]
    print(
        f"\nfloat32 tensor lr, {d['steps']:,} exponential steps, max relative error: "
        f"lrkit {d['lrkit_max_rel']:.2e}, torch ExponentialLR {d['torch_max_rel']:.2e}"
    )
    pathlib.Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    print(f"\n{args.output}")
    if not all(math.isfinite(row["lrkit_us"]) for row in results["step_overhead"].values()):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
