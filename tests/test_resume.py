"""Exact resume, proven the hard way: SIGKILL a training process, resume it in a new one.

For every driver kind in ``resume_child.KINDS`` (a composed noisy schedule, per-group lr and
momentum lists, the YOLOv5 recipe, ``lrkit.torch.Plateau``, and timm's loop around the timm
twin's cosine and plateau schedulers), three processes run ``resume_child.py``:

- a reference run that never stops;
- a run that is SIGKILLed at a seeded random step, mid-run and between two checkpoints;
- a new process that loads that run's last checkpoint (``torch.load(weights_only=True)``) into
  a freshly built model, optimizer and scheduler and finishes the run;

and a control resumes from the same checkpoint, in-process, but loses the schedule's time.

The resumed run's lr and momentum at every step must equal the reference's bit for bit
(``float.hex`` strings), and the control's must not, which shows that the comparison can fail.

Kills aimed at the moment of saving: for one kind (seeded), three runs are held inside a save
(half the checkpoint written to the temporary file; all of it written and synced; renamed into
place) and SIGKILLed there. Each must leave a whole ``ckpt.pt`` (the previous checkpoint, or the
new one once renamed), and the resume from it must again match the reference bit for bit. Set
``LRKIT_RESUME_SEED`` to kill at other steps (and, at the moment of saving, another kind).

The in-process tests below check that ``load_state_dict`` refuses a checkpoint from another
schedule or another number of param groups with a ``ValueError`` and changes nothing.
"""

import copy
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import resume_child  # noqa: E402

import lrkit  # noqa: E402
import lrkit.torch  # noqa: E402

SEED = int(os.environ.get("LRKIT_RESUME_SEED", "2024"))
# How long to wait for a child before giving up: a bound against hangs, not a timing assertion.
TIMEOUT = 180.0


# -- running children ---------------------------------------------------------------------------


class Child:
    def __init__(self, kind: str, run_dir: Path, args: list[str]) -> None:
        self.run_dir = run_dir
        run_dir.mkdir()
        env = dict(os.environ)
        # The children import the lrkit this test imported, whatever the install.
        src = str(Path(lrkit.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        with open(run_dir / "output.txt", "wb") as output:
            # stdin is a pipe: a child held at --hold-at waits on it (the parent never writes to
            # that one), a --resume child reads the checkpoint's path from it, and either reads
            # EOF and exits if the parent dies first.
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(resume_child.__file__)), kind, str(run_dir), *args],
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def output(self) -> str:
        return (self.run_dir / "output.txt").read_text(errors="replace")

    def log(self) -> tuple[list[dict], list[str] | None]:
        return self.read_log(self.run_dir)

    @staticmethod
    def read_log(run_dir: Path) -> tuple[list[dict], list[str] | None]:
        """The step records logged so far, and the final weights if the run finished."""
        path = run_dir / "log.jsonl"
        text = path.read_text() if path.exists() else ""
        # A line still being written has no newline yet: only complete lines count.
        records, final = [], None
        for line in text.split("\n")[:-1]:
            record = json.loads(line)
            if "final" in record:
                final = record["final"]
            else:
                records.append(record)
        return records, final

    def wait_until_holding(self) -> None:
        """Until the child is held inside a save (it creates ``holding`` there)."""
        deadline = time.monotonic() + TIMEOUT
        while not (self.run_dir / "holding").exists():
            if self.proc.poll() is not None:
                pytest.fail(f"child exited ({self.proc.returncode}) before holding:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"child did not hold in {TIMEOUT} s:\n{self.output()}")
            time.sleep(0.02)

    def send_checkpoint(self, checkpoint: Path) -> None:
        """Hand a ``--resume`` child the checkpoint's path."""
        try:
            self.proc.stdin.write(f"{checkpoint}\n".encode())
            self.proc.stdin.close()
        except BrokenPipeError:
            pytest.fail(f"the resume exited early ({self.proc.wait()}):\n{self.output()}")

    def wait_for_step(self, step: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            records, _ = self.log()
            if records and records[-1]["step"] >= step:
                return
            if self.proc.poll() is not None:
                pytest.fail(f"child exited ({self.proc.returncode}) before step {step}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"child did not reach step {step} in {TIMEOUT} s:\n{self.output()}")
            time.sleep(0.02)

    def finish(self) -> tuple[list[dict], list[str] | None]:
        try:
            code = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"child did not finish in {TIMEOUT} s:\n{self.output()}")
        assert code == 0, f"child failed ({code}):\n{self.output()}"
        return self.log()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()


@pytest.fixture
def spawn(tmp_path):
    """Start children in ``tmp_path``; whatever the test's outcome, none outlives it."""
    children: list[Child] = []

    def start(kind: str, name: str, *args: str) -> Child:
        child = Child(kind, tmp_path / name, list(args))
        children.append(child)
        return child

    try:
        yield start
    finally:
        for child in children:
            child.stop()


# -- comparing logs -----------------------------------------------------------------------------

FIELDS = ("lr", "momentum", "levels")


def _decode(value):
    if isinstance(value, str):
        return float.fromhex(value)
    return None if value is None else [float.fromhex(h) for h in value]


def _first_difference(got: list[dict], want: list[dict], fields=FIELDS) -> str | None:
    """A readable account of the first value that differs, or None when all are equal."""
    assert [r["step"] for r in got] == [r["step"] for r in want]
    for g, w in zip(got, want, strict=True):
        for field in fields:
            if g.get(field) != w.get(field):
                got_value, want_value = (_decode(r.get(field)) for r in (g, w))
                return f"step {g['step']} {field}: {got_value} != reference {want_value}"
    return None


def _kill_step(kind_name: str, kind: resume_child.Kind) -> int:
    """A seeded random step, mid-run, that is neither a checkpoint's step nor the one ending in a save.

    From the first checkpoint to three quarters of the run, so that the resumed stretch is long
    and crosses epoch ends and plateau decays. A string seed is hashed the same way in every
    process (unlike ``hash()``).
    """
    last = kind.steps * 3 // 4
    candidates = [s for s in range(kind.every, last) if s % kind.every and (s + 1) % kind.every]
    return random.Random(f"{SEED}/{kind_name}").choice(candidates)


# -- the runs -----------------------------------------------------------------------------------


@pytest.mark.timeout(3 * TIMEOUT)
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
@pytest.mark.parametrize("kind_name", list(resume_child.KINDS))
def test_sigkilled_run_resumes_bit_for_bit(kind_name, spawn):
    kind = resume_child.KINDS[kind_name]
    kill_at = _kill_step(kind_name, kind)
    resume_at = kill_at // kind.every * kind.every  # the last checkpoint saved before the kill
    where = f"{kind_name}, killed at step {kill_at}, resumed at {resume_at} (LRKIT_RESUME_SEED={SEED})"

    # All three start at once: the resume imports torch while the run it resumes is going, and
    # only then reads the checkpoint's path on its stdin.
    reference = spawn(kind_name, "reference")
    victim = spawn(kind_name, "killed", "--hold-at", str(kill_at))
    resumed = spawn(kind_name, "resumed", "--resume")
    victim.wait_for_step(kill_at)
    os.kill(victim.proc.pid, signal.SIGKILL)
    assert victim.proc.wait(timeout=TIMEOUT) == -signal.SIGKILL
    # The kill landed mid-run, at the chosen step: the log stops there and never finished.
    killed, killed_final = victim.log()
    assert [r["step"] for r in killed] == list(range(kill_at + 1)), where
    assert killed_final is None, where
    checkpoint = victim.run_dir / "ckpt.pt"
    # ... and after the last checkpoint, so the resume replays steps the killed run had done.
    assert torch.load(checkpoint, weights_only=True)["step"] == resume_at < kill_at, where

    resumed.send_checkpoint(checkpoint)
    ref_log, ref_final = reference.finish()
    res_log, res_final = resumed.finish()

    assert [r["step"] for r in ref_log] == list(range(kind.steps)) and ref_final is not None
    # The run that was killed had been the reference until then, steps after its checkpoint too.
    assert _first_difference(killed, ref_log[: kill_at + 1]) is None, where
    # It resumes at the checkpoint's step, replays what the killed run did after it, finishes.
    assert [r["step"] for r in res_log] == list(range(resume_at, kind.steps)), where
    want = ref_log[resume_at:]
    # What the resume is compared on must change, or equality would prove nothing.
    assert len({json.dumps([r["lr"], r["momentum"]]) for r in want}) > 1, where
    if kind.levels is not None:
        assert len({json.dumps(r["levels"]) for r in want}) > 1, f"no plateau decay after the resume: {where}"

    difference = _first_difference(res_log, want)
    assert difference is None, f"resume is not exact ({where}): {difference}"
    # The model and the optimizer's state came back too: the same losses, the same weights.
    assert _first_difference(res_log, want, fields=("loss",)) is None, where
    assert res_final == ref_final, where

    # The control resumes from the same checkpoint but loses the schedule's time; it must
    # diverge, or the comparison above could not fail. It runs here, in-process: it needs no
    # isolation, only the same loop, log and comparison.
    control_dir = victim.run_dir.parent / "control"
    control_dir.mkdir()
    with torch.random.fork_rng():
        resume_child.run(kind_name, control_dir, checkpoint, forget_time=True)
    ctl_log, _ = Child.read_log(control_dir)
    assert [r["step"] for r in ctl_log] == list(range(resume_at, kind.steps))
    assert _first_difference(ctl_log, want, fields=("lr", "momentum")) is not None, where


# -- kills aimed at the moment of saving ----------------------------------------------------------


def _save_step(kind_name: str, kind: resume_child.Kind, moment: str) -> int:
    """A seeded step that ends in a save, past the first save (so a previous checkpoint exists)."""
    last = kind.steps * 3 // 4
    candidates = list(range(2 * kind.every - 1, last, kind.every))
    return random.Random(f"{SEED}/{kind_name}/{moment}").choice(candidates)


IN_SAVE_KIND = random.Random(f"{SEED}/in-save").choice(sorted(resume_child.KINDS))


@pytest.mark.timeout(3 * TIMEOUT)
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_runs_killed_while_saving_resume_bit_for_bit(spawn):
    """One kind, one kill at each moment of a save; all children run at once (2 cores, ~10 s)."""
    kind_name, kind = IN_SAVE_KIND, resume_child.KINDS[IN_SAVE_KIND]
    moments = resume_child.SAVE_MOMENTS
    reference = spawn(kind_name, "reference")
    victims, resumes, steps = {}, {}, {}
    for moment in moments:
        steps[moment] = _save_step(kind_name, kind, moment)
        victims[moment] = spawn(
            kind_name, f"killed-{moment}", "--hold-at", str(steps[moment]), "--in-save", moment
        )
        resumes[moment] = spawn(kind_name, f"resumed-{moment}", "--resume")

    killed_logs = {}
    for moment in moments:
        victim, step = victims[moment], steps[moment]
        where = f"{kind_name}, killed {moment} in the save after step {step} (LRKIT_RESUME_SEED={SEED})"
        victim.wait_until_holding()
        os.kill(victim.proc.pid, signal.SIGKILL)
        assert victim.proc.wait(timeout=TIMEOUT) == -signal.SIGKILL, where
        killed, killed_final = victim.log()
        assert [r["step"] for r in killed] == list(range(step + 1)) and killed_final is None, where
        checkpoint, tmp = victim.run_dir / "ckpt.pt", victim.run_dir / "ckpt.pt.tmp"
        saved = torch.load(checkpoint, weights_only=True)["step"]  # whole, whatever the moment
        if moment == "after-replace":
            assert saved == step + 1 and not tmp.exists(), where
        else:
            # The kill landed inside the save: the previous checkpoint is in place, and the new
            # one is in the temporary file, torn mid-write (what an in-place torch.save would have
            # left as ckpt.pt) or whole but not yet renamed.
            assert saved == step + 1 - kind.every, where
            if moment == "mid-write":
                with pytest.raises(Exception):  # noqa: B017 (any failure to load is the point)
                    torch.load(tmp, weights_only=True)
            else:
                assert torch.load(tmp, weights_only=True)["step"] == step + 1, where
        killed_logs[moment] = (killed, saved, where)
        resumes[moment].send_checkpoint(checkpoint)

    ref_log, ref_final = reference.finish()
    assert [r["step"] for r in ref_log] == list(range(kind.steps)) and ref_final is not None
    for moment in moments:
        killed, saved, where = killed_logs[moment]
        assert _first_difference(killed, ref_log[: len(killed)]) is None, where
        res_log, res_final = resumes[moment].finish()
        want = ref_log[saved:]
        assert [r["step"] for r in res_log] == list(range(saved, kind.steps)), where
        assert len({json.dumps([r["lr"], r["momentum"]]) for r in want}) > 1, where
        difference = _first_difference(res_log, want)
        assert difference is None, f"resume is not exact ({where}): {difference}"
        assert _first_difference(res_log, want, fields=("loss",)) is None, where
        assert res_final == ref_final, where


# -- refusals: another schedule, another number of param groups ---------------------------------


def _checkpointed(state: dict) -> dict:
    """``state`` after a real checkpoint's round trip: ``torch.save``, ``torch.load(weights_only=True)``."""
    buffer = io.BytesIO()
    torch.save({"scheduler": state}, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)["scheduler"]


def _composed_state() -> dict:
    _, _, sched = resume_child.build_composed()
    for _ in range(13):
        sched.step()
    return _checkpointed(sched.state_dict())


def _per_group_state() -> dict:
    _, _, sched = resume_child.build_per_group()
    for n in range(1, 30):
        sched.step_update(n)
    return _checkpointed(sched.state_dict())


def _plateau_state() -> dict:
    _, _, sched = resume_child.build_plateau()
    for epoch in range(20):  # past the warmup, through several decays
        sched.step(resume_child.plateau_metric(epoch))
    assert sched.levels[0] < 0.1
    return _checkpointed(sched.state_dict())


def _composed_on(opt):
    return lrkit.torch.Scheduler(opt, unit="update", lr=resume_child.composed_schedule())


def _composed_other_seed(opt):
    return lrkit.torch.Scheduler(opt, unit="update", lr=resume_child.composed_schedule(noise_seed=8))


def _per_group_other_seed(opt):
    return lrkit.torch.Scheduler(
        opt,
        unit="epoch",
        updates_per_epoch=resume_child.PER_GROUP_UPE,
        lr=resume_child.per_group_lrs(noise_seed=4),
        momentum=resume_child.per_group_momenta(),
    )


def _one_group():
    return resume_child.composed_optimizer()[1]


def _three_groups():
    return resume_child.per_group_optimizer()[1]


def _step_scheduler(sched):
    sched.step()


def _step_plateau(sched):
    sched.step(0.5)


# (the checkpoint, a fresh optimizer, the driver built on it, how to step it, what the error says)
REFUSALS = {
    # Only a noise seed differs: that is another schedule all the same.
    "scheduler-other-schedule": (
        _composed_state,
        _one_group,
        _composed_other_seed,
        _step_scheduler,
        "lr of group 0",
    ),
    "scheduler-other-schedule-in-one-group": (
        _per_group_state,
        _three_groups,
        _per_group_other_seed,
        _step_scheduler,
        "lr of group 2",
    ),
    "scheduler-1-group-into-3": (
        _composed_state,
        _three_groups,
        _composed_on,
        _step_scheduler,
        "1 param groups in the checkpoint, 3 here",
    ),
    "scheduler-3-groups-into-1": (
        _per_group_state,
        _one_group,
        _composed_on,
        _step_scheduler,
        "3 param groups in the checkpoint, 1 here",
    ),
    "plateau-other-factor": (
        _plateau_state,
        lambda: resume_child.plateau_optimizer()[1],
        lambda opt: resume_child.make_plateau(opt, factor=0.5),
        _step_plateau,
        "factor is 0.7 in the checkpoint, 0.5 here",
    ),
    "plateau-2-groups-into-3": (
        _plateau_state,
        lambda: resume_child.plateau_optimizer(groups=3)[1],
        resume_child.make_plateau,
        _step_plateau,
        "2 param groups in the checkpoint, 3 here",
    ),
}


def _snapshot(opt, sched):
    groups = [{k: v for k, v in group.items() if k != "params"} for group in opt.param_groups]
    return copy.deepcopy(groups), copy.deepcopy(sched.state_dict()), [x.hex() for x in sched.get_last_lr()]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("state", "optimizer", "driver", "advance", "message"), REFUSALS.values(), ids=REFUSALS
)
def test_foreign_checkpoint_is_refused_and_nothing_is_half_loaded(state, optimizer, driver, advance, message):
    with torch.random.fork_rng():  # the builders seed torch; leave other tests' RNG alone
        saved = state()
        opt, twin_opt = optimizer(), optimizer()
    sched, twin = driver(opt), driver(twin_opt)
    # Stepped first, so that "unchanged" means its own state, not the one it was built with.
    for _ in range(3):
        advance(sched)
        advance(twin)
    before = _snapshot(opt, sched)
    with pytest.raises(ValueError, match=f"cannot load this (scheduler|plateau) state: .*{message}"):
        sched.load_state_dict(saved)
    assert _snapshot(opt, sched) == before
    # And it carries on exactly as a twin that never saw the checkpoint.
    for _ in range(5):
        advance(sched)
        advance(twin)
        assert _snapshot(opt, sched) == _snapshot(twin_opt, twin)
