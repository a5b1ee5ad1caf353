"""The LR range test: sweep the lr upwards for a few hundred updates and watch the loss.

:func:`find_lr` trains ``model`` for at most ``num_iter`` updates while the lr rises from
``start_lr`` to ``end_lr``, records the loss at each lr, and puts the model and optimizer back
as they were. The sweep is an lrkit schedule (``exponential`` or ``linear``) driven by
:class:`lrkit.torch.Scheduler` on the optimizer's own param groups, so groups keep their lr
ratios. torch is needed; tqdm (a progress bar) and matplotlib (:meth:`LRFinderResult.plot`)
are optional and imported only when used.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from lrkit import checks as v
from lrkit.schedule import Schedule
from lrkit.shapes import exponential, linear
from lrkit.torch.scheduler import Scheduler, rebasing

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["LRFinderResult", "find_lr"]

_FIGSIZE = (7.0, 4.0)


@dataclasses.dataclass(frozen=True, repr=False)
class LRFinderResult:
    """What :func:`find_lr` saw: one lr and loss per update taken, and the suggested lr.

    Attributes:
        lrs: the sweep's lr at each update, increasing from ``start_lr``: param group 0 ran
            at it (to the last bits the driver's arithmetic may round; times the group's
            ``lr_scale`` if it has one).
        losses: the smoothed, bias-corrected loss at each update (see :func:`find_lr`).
        raw_losses: the loss of each batch as ``loss_fn`` (or ``step_fn``, or the model)
            returned it.
        mode: ``"exp"`` or ``"linear"``, the sweep that produced them.
        diverged: True when the sweep stopped early, on a smoothed loss above
            ``diverge_threshold`` times the best one or on a non-finite loss.
    """

    lrs: tuple[float, ...]
    losses: tuple[float, ...]
    raw_losses: tuple[float, ...]
    mode: str
    diverged: bool

    @property
    def suggestion_index(self) -> int | None:
        """The index in :attr:`lrs` of :attr:`suggestion`, or None when there are too few points.

        The smoothed loss is differentiated with respect to ``log(lr)`` by ``np.gradient``
        (central differences inside, one-sided at the two ends; for the geometric ``"exp"``
        sweep simply ``(L[i+1] - L[i-1]) / (log lr[i+1] - log lr[i-1])``). The first and the
        last ``skip = max(1, n // 10)`` of the ``n`` recorded points are ignored: the first
        smoothed values rest on a handful of batches, the last ones sit in the blow-up. The
        index is that of the most negative derivative among the rest (the first one on a tie),
        even if no derivative there is negative; None when fewer than 3 points were recorded.
        """
        n = len(self.lrs)
        skip = max(1, n // 10)
        if n - 2 * skip < 1:
            return None
        slopes = np.gradient(np.asarray(self.losses), np.log(np.asarray(self.lrs)))
        return skip + int(np.argmin(slopes[skip : n - skip]))

    @property
    def suggestion(self) -> float | None:
        """The lr where the smoothed loss falls fastest per unit of ``log(lr)``.

        See :attr:`suggestion_index` for exactly which point that is; None when the sweep
        recorded fewer than 3 points.
        """
        index = self.suggestion_index
        return None if index is None else self.lrs[index]

    def plot(
        self,
        path: str | os.PathLike[str] | None = None,
        log: bool = True,
        *,
        ax: Axes | None = None,
    ) -> Figure:
        """Draw the loss against the lr, with the suggestion marked.

        The smoothed loss is the line, the raw batch losses faint dots behind it, and the
        suggestion a red dot with a dashed vertical line (its value in the legend). The top of
        the y axis is fitted to the smoothed loss, so a raw batch loss far above it is clipped.

        Args:
            path: save the figure there, in the format its extension names (``.png``, ...),
                through matplotlib's Agg renderer (no display or pyplot needed).
            log: a logarithmic lr axis (the natural one for the ``"exp"`` sweep).
            ax: axes to draw on; a new figure when None.

        Returns:
            The figure drawn on.
        """
        log = v.flag("log", log)
        if not self.lrs:
            raise ValueError("nothing to plot: the sweep recorded no step (a non-finite first loss?)")
        if ax is None:
            if path is None:
                # Only a figure that is not saved goes through pyplot, so plt.show() finds it.
                import matplotlib.pyplot as plt

                fig = plt.figure(figsize=_FIGSIZE, layout="constrained")
            else:
                # A bare Figure renders with the canvas its format needs (Agg for PNG) and never
                # touches pyplot's backend, so saving works headless and leaks no open figure.
                from matplotlib.figure import Figure

                fig = Figure(figsize=_FIGSIZE, layout="constrained")
            ax = fig.add_subplot()
        fig = ax.figure.figure  # the root figure, also when ax sits in a subfigure

        lrs = np.asarray(self.lrs)
        losses = np.asarray(self.losses)
        ax.plot(lrs, self.raw_losses, ".", color="0.6", markersize=3, alpha=0.6, label="batch loss")
        ax.plot(lrs, losses, color="C0", linewidth=1.8, label="smoothed loss")
        index = self.suggestion_index
        if index is not None:
            lr = lrs[index]
            ax.axvline(lr, color="C3", linestyle="--", linewidth=1.0, zorder=1.5)
            ax.plot(
                [lr],
                [losses[index]],
                "o",
                color="C3",
                markersize=8,
                label=f"suggestion: lr = {lr:.3g} (steepest descent)",
            )
        if log:
            ax.set_xscale("log")
        ax.set_xlim(lrs[0], lrs[-1])
        low = float(min(np.min(losses), np.min(self.raw_losses)))
        high = float(np.max(losses))
        # Raw losses of the last batches can be orders of magnitude up; the smoothed curve sets
        # the top of the frame, with a margin, so the region of interest is not squashed flat.
        margin = 0.08 * (high - low) if high > low else 0.1 * max(abs(high), 1e-12)
        ax.set_ylim(low - margin, high + margin)
        ax.set_xlabel("learning rate (log scale)" if log else "learning rate")
        ax.set_ylabel("training loss")
        stop = "stopped at divergence" if self.diverged else "full sweep"
        ax.set_title(f"LR range test: {self.mode} sweep, {len(self.lrs)} updates, {stop}")
        ax.grid(True, which="major", alpha=0.3)
        if log:
            ax.grid(True, which="minor", alpha=0.08)
        ax.legend(fontsize="small")
        if path is not None:
            fig.savefig(path, dpi=150)
        return fig

    def apply(self, target: Any, lr: float | None = None) -> float:
        """Train at the suggestion: make it group 0's base lr in ``target``, now.

        ``target`` is what holds the lr the run starts from:

        - an lrkit driver (:class:`lrkit.torch.Scheduler`, a timm or YOLOv5 twin): its
          ``base_lrs`` are set and the values at its current time written at once;
        - a :class:`lrkit.torch.Plateau` or a torch scheduler whose lrs scale from
          ``base_lrs`` (``StepLR``, ``CosineAnnealingLR``, ``LambdaLR``, ``ReduceLROnPlateau``,
          ...): its bases, the groups' ``initial_lr`` and their current lr are scaled;
        - an optimizer with no scheduler yet: each group's lr (and ``initial_lr``, if set).

        Every other group keeps its ratio to group 0, as during the sweep. A schedule whose lrs
        do not scale from the base (torch's ``OneCycleLR(max_lr=...)``, ``CyclicLR``, an lrkit
        :func:`lrkit.rebase`) is refused with ``TypeError``: build it from the suggestion
        instead (``max_lr=result.suggestion``).

        Args:
            target: the scheduler (or optimizer) of the run about to start.
            lr: the lr to apply instead of :attr:`suggestion` (``result.suggestion / 10``, a
                more careful choice some prefer), > 0.

        Returns:
            The lr applied to group 0.
        """
        if lr is None:
            if self.suggestion is None:
                raise ValueError(
                    f"no suggestion to apply: the sweep recorded {len(self.lrs)} points, fewer than 3; "
                    "give lr= or sweep again with a larger num_iter"
                )
            lr = self.suggestion
        lr = v.real("lr", lr, minimum=0.0, strict_minimum=True)
        _apply_lr(target, lr)
        return lr

    def __repr__(self) -> str:
        suggestion = self.suggestion
        shown = "None" if suggestion is None else f"{suggestion:.4g}"
        return (
            f"LRFinderResult(mode={self.mode!r}, steps={len(self.lrs)}, diverged={self.diverged}, "
            f"lrs={self.lrs[0] if self.lrs else None!r}..{self.lrs[-1] if self.lrs else None!r}, "
            f"suggestion={shown})"
        )


def find_lr(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor] | None = None,
    loader: Iterable[Any] | None = None,
    start_lr: float = 1e-7,
    end_lr: float = 10,
    num_iter: int = 100,
    mode: str = "exp",
    smooth: float = 0.05,
    diverge_threshold: float = 5,
    progress: bool = True,
    *,
    step_fn: Callable[[torch.nn.Module, Any], torch.Tensor] | None = None,
) -> LRFinderResult:
    """Run an LR range test on ``model`` and restore it and ``optimizer`` afterwards.

    Step ``i`` (``0 <= i < num_iter``) takes one batch from ``loader`` (starting the loader
    over when it runs out), computes its loss, backpropagates and calls ``optimizer.step()``
    at the lr

    - ``"exp"``: ``start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))``, i.e.
      ``lrkit.exponential(gamma=(end_lr / start_lr) ** (1 / (num_iter - 1)))``;
    - ``"linear"``: ``start_lr + (end_lr - start_lr) * i / (num_iter - 1)``, i.e.
      ``lrkit.linear(t_initial=num_iter - 1, ...)``;

    so the first step runs at ``start_lr`` and the last at ``end_lr``. The loss of a batch is

    - ``step_fn(model, batch)``, when given: any model, any batch (several losses summed, a
      model called with extra arguments, ...); ``loss_fn`` is then not given;
    - for a tuple or list ``(*inputs, targets)`` of any length >= 2:
      ``loss_fn(model(*inputs), targets)``; a ``(inputs, targets)`` pair is the usual case;
    - for a mapping (transformers' ``{"input_ids": ..., "labels": ...}``): without
      ``loss_fn``, the loss the model computes itself, ``model(**batch).loss`` (or
      ``["loss"]``); with it, ``loss_fn(model(**inputs), batch["labels"])``, ``inputs`` being
      the other keys (``"label"`` serves as well);
    - without ``loss_fn``, for a batch of another kind (a tensor, an object of the user's
      own): the loss ``model(batch)`` returns, a scalar tensor or an output with a ``loss``.

    The range test needs one scalar tensor per batch, to backpropagate; a batch that gives none
    is a ``TypeError`` saying which of the above to use. That lr is param group
    0's; every other group moves by the same factor, keeping its ratio to group 0 (bases read
    as lrkit and timm read them: ``initial_lr`` when the group has it, else ``lr``), and a
    group's ``lr_scale`` multiplies on top, as :class:`lrkit.torch.Scheduler` does.

    The loss is smoothed by an exponential moving average with bias correction (as Adam's
    moments)::

        avg_i      = smooth * loss_i + (1 - smooth) * avg_{i-1}      (avg_{-1} = 0)
        smoothed_i = avg_i / (1 - (1 - smooth) ** (i + 1))

    so ``smoothed_0 = loss_0`` and ``smooth=1`` turns smoothing off. The sweep stops after the
    first step whose smoothed loss exceeds ``diverge_threshold`` times the lowest smoothed loss
    so far (that step is recorded), or at a non-finite loss (that step is not recorded, and
    the optimizer does not step on it). Losses are assumed positive, as cross-entropy and MSE
    are.

    Afterwards the model's ``state_dict`` (parameters and buffers, restored in place), each
    parameter's ``.grad``, each module's train/eval mode, and the optimizer's ``state_dict``
    (its per-parameter state and every param-group entry: ``lr``, the ``initial_lr`` the
    driver adds, ...) are as they were before, from deep copies taken at the start; this
    holds also when the sweep raises. The restored param-group dicts, and a tensor-valued
    ``lr`` inside them, are the very objects the optimizer held before. The copies cost one
    extra model and optimizer state in memory. Global RNG state and the loader are not
    restored: the sweep consumes batches and random numbers like any training.

    Args:
        model: the module to train; put into train mode for the sweep.
        optimizer: an optimizer over (some of) ``model``'s parameters.
        loss_fn: ``loss_fn(outputs, targets)`` returning a scalar tensor; None (the default)
            for a model that computes its own loss, or with ``step_fn``.
        loader: an iterable of batches on the model's device (tuples, lists, mappings, or
            anything ``step_fn`` takes), iterable again when exhausted (a ``DataLoader`` or a
            list) if it holds fewer than ``num_iter`` batches. Required; a keyword or the
            fourth positional argument.
        start_lr: the first lr, > 0.
        end_lr: the last lr, > ``start_lr``.
        num_iter: the most updates to take, >= 2.
        mode: ``"exp"`` (geometric steps) or ``"linear"`` (equal steps).
        smooth: the weight of the newest loss in the moving average, in ``(0, 1]``.
        diverge_threshold: stop when the smoothed loss exceeds this multiple of the best,
            > 1; ``math.inf`` stops on non-finite losses only.
        progress: show a tqdm progress bar (when tqdm is installed).
        step_fn: ``step_fn(model, batch)`` returning the batch's loss as a scalar tensor;
            find_lr still zeroes the gradients, backpropagates and steps the optimizer.

    Returns:
        An :class:`LRFinderResult` with ``lrs``, ``losses`` (smoothed), ``raw_losses``,
        ``suggestion`` (the lr of steepest descent of the smoothed loss in ``log(lr)``, ends
        skipped: :attr:`LRFinderResult.suggestion_index` says exactly), ``plot()`` and
        ``apply(scheduler)``, which makes the suggestion the run's base lr.

    >>> import torch
    >>> from lrkit.torch import find_lr
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(64, 3)
    >>> y = x @ torch.tensor([1.0, -2.0, 0.5])
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> batches = [(x[i : i + 16], y[i : i + 16, None]) for i in range(0, 64, 16)]
    >>> result = find_lr(model, opt, torch.nn.functional.mse_loss, batches, start_lr=1e-4,
    ...                  end_lr=10, num_iter=50, progress=False)
    >>> result.lrs[0], result.diverged, len(result.lrs) < 50
    (0.0001, True, True)
    >>> 1e-4 < result.suggestion < 10
    True
    >>> opt.param_groups[0]["lr"], "initial_lr" in opt.param_groups[0]
    (0.1, False)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not hasattr(optimizer, "param_groups") or not hasattr(optimizer, "state_dict"):
        raise TypeError(f"optimizer must be a torch optimizer, got {type(optimizer).__name__}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (or None), got {loss_fn!r}")
    if step_fn is not None:
        if not callable(step_fn):
            raise TypeError(f"step_fn must be callable as step_fn(model, batch) -> loss, got {step_fn!r}")
        if loss_fn is not None:
            raise TypeError(
                "give loss_fn or step_fn, not both: step_fn(model, batch) computes the loss itself"
            )
    if loader is None:
        raise TypeError("loader is required: an iterable of batches (a DataLoader, a list)")
    if not isinstance(loader, Iterable):
        raise TypeError(f"loader must be an iterable of batches, got {loader!r}")
    start_lr = v.real("start_lr", start_lr, minimum=0.0, strict_minimum=True)
    end_lr = v.real("end_lr", end_lr)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be > start_lr ({start_lr!r}), got {end_lr!r}")
    num_iter = v.integer("num_iter", num_iter, minimum=2)
    mode = v.choice("mode", mode, ("exp", "linear"))
    smooth = v.real("smooth", smooth, minimum=0.0, maximum=1.0, strict_minimum=True)
    if not (isinstance(diverge_threshold, (int, float)) and diverge_threshold == math.inf):
        diverge_threshold = v.real("diverge_threshold", diverge_threshold, minimum=1.0, strict_minimum=True)
    progress = v.flag("progress", progress)

    groups = optimizer.param_groups
    if not groups:
        raise ValueError("optimizer has no param groups")
    base = float(groups[0].get("initial_lr", groups[0]["lr"]))
    if not base > 0:
        raise ValueError(
            f"optimizer: param group 0's base lr (initial_lr, else lr) is {base!r}; find_lr moves "
            "every group's lr relative to group 0's, which must be > 0"
        )
    sweep = _sweep(mode, start_lr, end_lr, num_iter, base)

    # Deep copies: state_dict() tensors share storage with the live ones the sweep changes.
    model_state = copy.deepcopy(model.state_dict())
    grads = [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]
    training = [(module, module.training) for module in model.modules()]
    optimizer_state = copy.deepcopy(optimizer.state_dict())
    group_objects = list(groups)

    lrs: list[float] = []
    losses: list[float] = []
    raw_losses: list[float] = []
    diverged = False
    bar = _progress_bar(num_iter) if progress else None
    try:
        # Construction writes every group's lr at t = 0 (start_lr for group 0).
        scheduler = Scheduler(optimizer, lr=sweep, unit="update")
        batches = _cycle(loader)
        model.train()
        avg = 0.0
        best = math.inf
        for i in range(num_iter):
            if i:
                scheduler.step_update(i)
            batch = next(batches)
            optimizer.zero_grad()
            loss = _scalar_loss(
                step_fn(model, batch) if step_fn is not None else _loss(model, batch, loss_fn), step_fn
            )
            value = float(loss.detach())
            if not math.isfinite(value):
                diverged = True
                break
            loss.backward()
            optimizer.step()
            avg = smooth * value + (1.0 - smooth) * avg
            smoothed = avg / (1.0 - (1.0 - smooth) ** (i + 1))
            lrs.append(float(sweep(i, base)))
            losses.append(smoothed)
            raw_losses.append(value)
            best = min(best, smoothed)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lrs[-1]:.2e}", loss=f"{smoothed:.4g}", refresh=False)
            if smoothed > diverge_threshold * best:
                diverged = True
                break
    finally:
        if bar is not None:
            bar.close()
        model.load_state_dict(model_state)
        for param, grad in zip(model.parameters(), grads, strict=True):
            param.grad = grad
        for module, mode_was in training:
            module.training = mode_was
        _restore_optimizer(optimizer, optimizer_state, group_objects)
    return LRFinderResult(tuple(lrs), tuple(losses), tuple(raw_losses), mode, diverged)


def _sweep(mode: str, start_lr: float, end_lr: float, num_iter: int, base: float) -> Schedule:
    """The sweep as an lrkit schedule of the update count, relative to group 0's ``base``."""
    last = num_iter - 1
    if mode == "exp":
        return (start_lr / base) * exponential(gamma=(end_lr / start_lr) ** (1.0 / last))
    return linear(t_initial=last, start_factor=start_lr / base, end_factor=end_lr / base)


def _cycle(loader: Iterable[Any]) -> Iterator[Any]:
    """The batches of ``loader``, starting it over each time it runs out."""
    taken = 0
    while True:
        before = taken
        for batch in loader:
            taken += 1
            yield batch
        if taken == before:
            problem = (
                "yields no batches" if taken == 0 else f"ran out after {taken} batches and restarts empty"
            )
            raise ValueError(
                f"loader {problem}; give a loader that can be iterated again (a DataLoader, a list) "
                "or a smaller num_iter"
            )


def _loss(model: torch.nn.Module, batch: Any, loss_fn: Callable[[Any, Any], torch.Tensor] | None) -> Any:
    """The loss of one batch, by the rules :func:`find_lr` states."""
    if isinstance(batch, Mapping):
        if loss_fn is None:
            return _own_loss(model(**batch), "model(**batch)")
        key = next((k for k in ("labels", "label") if k in batch), None)
        if key is None:
            raise TypeError(
                f"loader yields mappings without 'labels' (keys {sorted(map(str, batch))}), so loss_fn "
                "has no targets: add them, leave loss_fn out for a model that computes its own loss, "
                "or give step_fn(model, batch) -> loss"
            )
        inputs = {k: value for k, value in batch.items() if k != key}
        return loss_fn(model(**inputs), batch[key])
    if isinstance(batch, (tuple, list)) and not isinstance(batch, (str, bytes)):
        if loss_fn is None:
            # A model is seldom called with its targets: say what to give instead of letting
            # forward() fail on an argument too many.
            raise TypeError(
                f"loader yields {type(batch).__name__}s (inputs, targets), and no loss_fn was given: "
                "give loss_fn(outputs, targets), or step_fn(model, batch) -> loss for a model that "
                "computes its own"
            )
        if len(batch) < 2:
            raise TypeError(
                f"loader yields {type(batch).__name__}s of {len(batch)} item, with no targets for loss_fn: "
                "give step_fn(model, batch) -> loss (e.g. loss_fn(model(x), x) for an autoencoder)"
            )
        return loss_fn(model(*batch[:-1]), batch[-1])
    if loss_fn is None:
        return _own_loss(model(batch), "model(batch)")
    raise TypeError(
        f"loader yields {type(batch).__name__} batches, not (inputs, targets) tuples or mappings: "
        "give step_fn(model, batch) -> loss to say how a batch becomes a loss"
    )


def _own_loss(outputs: Any, call: str) -> Any:
    """The loss a model returned: a scalar tensor, or an output holding one as ``loss``."""
    if isinstance(outputs, torch.Tensor) and outputs.numel() == 1:
        return outputs
    loss = getattr(outputs, "loss", None)
    if loss is None and isinstance(outputs, Mapping):
        loss = outputs.get("loss")
    if loss is None:
        shown = (
            f"a tensor of shape {tuple(outputs.shape)}"
            if isinstance(outputs, torch.Tensor)
            else (f"a {type(outputs).__name__} without a loss")
        )
        raise TypeError(
            f"{call} returned {shown}, and no loss_fn was given: give loss_fn(outputs, targets), "
            "put the labels in the batch (a transformers model then computes its loss), or give "
            "step_fn(model, batch) -> loss"
        )
    return loss


def _scalar_loss(loss: Any, step_fn: Any) -> torch.Tensor:
    """``loss`` if it is one number in a tensor, which backpropagation needs; else TypeError."""
    source = "step_fn" if step_fn is not None else "the loss"
    if not isinstance(loss, torch.Tensor):
        raise TypeError(
            f"{source} must return the loss as a tensor (to backpropagate), got {type(loss).__name__}"
        )
    if loss.numel() != 1:
        raise TypeError(
            f"{source} must be a scalar tensor, got shape {tuple(loss.shape)}: reduce it (.mean())"
        )
    return loss


def _progress_bar(total: int) -> Any:
    """A tqdm bar over ``total`` steps, or None when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the bar is a nicety; the sweep runs without it
        return None
    return tqdm(total=total, desc="find_lr", unit="step", leave=False)


def _restore_optimizer(
    optimizer: torch.optim.Optimizer, state: dict[str, Any], group_objects: list[dict[str, Any]]
) -> None:
    """Load ``state`` back, keeping the param-group dicts and tensor hyperparameters of before.

    ``load_state_dict`` restores the per-parameter state and every group entry, but puts new
    dicts (and new tensors for a tensor lr) into ``param_groups``; code holding a group, or a
    compiled step holding its lr tensor, would then watch a stale object. So the restored
    entries are copied back into the original objects, which go back into ``param_groups``.
    """
    optimizer.load_state_dict(state)
    for index, (original, restored) in enumerate(zip(group_objects, optimizer.param_groups, strict=True)):
        for key in [key for key in original if key not in restored]:
            del original[key]  # e.g. the initial_lr the driver added
        for key, value in restored.items():
            current = original.get(key)
            if (
                key != "params"
                and isinstance(current, torch.Tensor)
                and isinstance(value, torch.Tensor)
                and current.shape == value.shape
            ):
                with torch.no_grad():
                    current.copy_(value)
            else:
                original[key] = value
        optimizer.param_groups[index] = original


def _apply_lr(target: Any, lr: float) -> None:
    """Make ``lr`` group 0's base lr in ``target``, every other group keeping its ratio to it."""
    if hasattr(target, "_rebase_lr"):  # lrkit's drivers, which know what they derive from their bases
        target._rebase_lr(lr)
        return
    if isinstance(target, (torch.optim.lr_scheduler.OneCycleLR, torch.optim.lr_scheduler.CyclicLR)):
        raise TypeError(
            f"{type(target).__name__} sets lrs of its own (max_lr, base_lr), not from the optimizer's: "
            f"build it with max_lr={lr:.4g} instead"
        )
    optimizer = target if isinstance(target, torch.optim.Optimizer) else getattr(target, "optimizer", None)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"target must be a scheduler or an optimizer, got {type(target).__name__}; give the "
            "scheduler the run will step (or its optimizer, before a scheduler is built)"
        )
    # torch's schedulers and timm's own keep the bases under torch's or timm's name; an optimizer
    # (or a scheduler with neither) in its groups.
    bases = ("base_lrs", "base_values") if optimizer is not target else ()
    name = next((n for n in bases if isinstance(getattr(target, n, None), list)), None)
    groups = optimizer.param_groups
    base = float(getattr(target, name)[0]) if name else float(groups[0].get("initial_lr", groups[0]["lr"]))
    scale = rebasing(target, lr, base)
    if name is not None:
        setattr(target, name, [scale(b) for b in getattr(target, name)])
    for group in groups:
        _scale_entry(group, "lr", scale)
        _scale_entry(group, "initial_lr", scale)
    last = getattr(target, "_last_lr", None)
    if isinstance(last, list):
        target._last_lr = [float(group["lr"]) for group in groups]


def _scale_entry(group: dict[str, Any], key: str, scale: Callable[[float], float]) -> None:
    """``group[key]`` as ``scale`` moves it; a tensor in place, so a compiled step still sees it."""
    value = group.get(key)
    if value is None:
        return
    if isinstance(value, torch.Tensor):
        with torch.no_grad():
            value.fill_(scale(value.item()))
    else:
        group[key] = scale(value)
