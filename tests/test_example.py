"""examples/train.py end to end: files written, exact resume, and --find-lr training well.

And its checkpoints under SIGKILL: runs are killed in the middle of a save (the example's
``LRKIT_EXAMPLE_HOLD_IN_SAVE`` hook stops the save at a chosen moment, so the kill lands there
on any machine), and a checkpoint torn by an older, in-place writer is planted; every resume
must skip what is not whole, saying so, and end bit for bit where the run that never stopped
ended. The file-level cases (empty, truncated at any byte, garbage, not a checkpoint, a pickle
that would run code, leftovers, nothing good) run in-process on the example's own functions.
The driving guide's atomic-save block (docs/guides/driving.md, "Resume after a crash") is run too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from matplotlib.image import imread  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "examples" / "train.py"
DRIVING = ROOT / "docs" / "guides" / "driving.md"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A bound against hangs for each child process, not a timing assertion.
TIMEOUT = 300
# Two epochs, with the lr changing at every update (so the resume check compares 23 distinct
# lrs, not one repeated) and the warmup ending after the first epoch.
FAST = ["--epochs", "2", "--warmup-epochs", "1", "--sched-on-updates"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(TRAIN), "--no-progress", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def check_png(path: Path) -> None:
    assert path.read_bytes().startswith(PNG_SIGNATURE), path
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500, image.shape
    assert image[..., :3].std() > 0.05, f"{path} looks blank"


def final_accuracy(stdout: str) -> float:
    (match,) = re.findall(r"^test accuracy: ([0-9.]+)%$", stdout, flags=re.MULTILINE)
    return float(match)


@pytest.fixture(scope="module")
def two_epochs(
    tmp_path_factory: pytest.TempPathFactory, held_in_save: dict[str, Proc]
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    # held_in_save: the runs to be killed start first, so that they train on the other core
    # while this run and the tests after it use one.
    out = tmp_path_factory.mktemp("two_epochs")
    return out, run(*FAST, "--output", str(out))


@pytest.mark.timeout(TIMEOUT)
def test_two_epochs_write_plot_checkpoints_and_history(two_epochs):
    out, result = two_epochs
    check_png(out / "train.png")
    for name in ("train.png", "history.json", "checkpoint-<epoch>.pt"):
        assert str(out / name) in result.stdout  # the script says where its files are

    history = json.loads((out / "history.json").read_text())
    per_epoch = history["updates_per_epoch"]
    assert per_epoch == 23  # 1437 training images in batches of 64
    assert len(history["lr"]) == len(history["loss"]) == 2 * per_epoch
    assert [e["epoch"] for e in history["epochs"]] == [1, 2]
    assert final_accuracy(result.stdout) == pytest.approx(history["epochs"][-1]["test_acc"], abs=0.01)

    for epoch in (1, 2):
        checkpoint = torch.load(out / f"checkpoint-{epoch}.pt", weights_only=True)
        assert {"model", "optimizer", "scheduler", "epoch"} <= checkpoint.keys()
        assert checkpoint["epoch"] == epoch
        assert len(checkpoint["history"]["lr"]) == epoch * per_epoch


@pytest.mark.timeout(TIMEOUT)
def test_resume_from_epoch_one_reproduces_epoch_two(two_epochs, tmp_path):
    out, _ = two_epochs
    resumed = run(*FAST, "--output", str(tmp_path), "--resume", str(out / "checkpoint-1.pt"))
    assert "resumed from" in resumed.stdout
    straight = json.loads((out / "history.json").read_text())
    again = json.loads((tmp_path / "history.json").read_text())
    per_epoch = straight["updates_per_epoch"]
    epoch_two = slice(per_epoch, 2 * per_epoch)

    # Guards against a vacuous pass: per-update scheduling changes the lr within epoch 2.
    assert len(set(straight["lr"][epoch_two])) == per_epoch
    assert again["lr"][epoch_two] == straight["lr"][epoch_two]
    # Same batches, weights and momentum: the losses follow (tolerance for float reordering).
    assert again["loss"][epoch_two] == pytest.approx(straight["loss"][epoch_two], rel=1e-5)
    assert again["epochs"][1]["test_acc"] == pytest.approx(straight["epochs"][1]["test_acc"], abs=0.01)


@pytest.mark.timeout(TIMEOUT)
def test_find_lr_then_train_reaches_90_percent(tmp_path):
    result = run("--find-lr", "--output", str(tmp_path))  # the default schedule and epochs
    check_png(tmp_path / "find_lr.png")
    check_png(tmp_path / "train.png")
    (suggested,) = re.findall(r"suggested lr ([0-9.e+-]+)", result.stdout)
    history = json.loads((tmp_path / "history.json").read_text())
    # The run trains at the suggestion, a point inside the sweep from 1e-5 to 10.
    assert history["base_lr"] == pytest.approx(float(suggested), rel=1e-3)
    assert 1e-5 < history["base_lr"] < 10
    # timm's cosine warmup hands over to the curve, already past its peak: below base, not far.
    assert 0.8 * history["base_lr"] < max(history["lr"]) <= history["base_lr"]
    assert final_accuracy(result.stdout) >= 90.0
    # The sweep ran on the run's own optimizer, under its scheduler, and result.apply made the
    # suggestion that scheduler's base: the run is the one built at the suggestion from the start.
    straight = run("--lr", repr(history["base_lr"]), "--output", str(tmp_path / "straight"))
    built = json.loads((tmp_path / "straight" / "history.json").read_text())
    assert history["lr"] == built["lr"] and history["loss"] == built["loss"]
    assert final_accuracy(result.stdout) == final_accuracy(straight.stdout)


# -- kills aimed at the moment of saving ---------------------------------------------------------

# (file, moment) at which the run is held, then SIGKILLed. Each leaves checkpoint-1.pt as the
# newest whole checkpoint, so every resume redoes epoch 2 and must end where the straight run did.
KILLS = {
    # Half of checkpoint-2.pt in its temporary file: an in-place writer would leave it torn.
    "checkpoint-2.pt mid-write": ("checkpoint-2.pt", "mid-write"),
    # Renamed into place, the directory not yet synced: the new file is whole.
    "checkpoint-1.pt after-replace": ("checkpoint-1.pt", "after-replace"),
    # The checkpoint is saved, the history is whole in its temporary file but not renamed.
    "history.json before-replace": ("history.json", "before-replace"),
}
# Not a kill: a checkpoint-2.pt torn by an older, in-place writer and a garbage history.json,
# resumed from by naming the torn file.
PLANTED = "torn checkpoint-2.pt, garbage history.json"
PLANTED_NAMES = ("checkpoint-2.pt", "history.json", "checkpoint-1.pt")
LEFTOVER = re.compile(r"\.(checkpoint-[0-9]+\.pt|history\.json)\.[0-9]+\.tmp")


class Proc:
    """examples/train.py in a child process held in a save, its stdout and stderr into files."""

    def __init__(self, args: list[str], directory: Path, hold: str) -> None:
        env = {**os.environ, "MPLBACKEND": "Agg", "LRKIT_EXAMPLE_HOLD_IN_SAVE": hold}
        self.dir = directory
        self.stdout, self.stderr = (
            directory.with_name(f"{directory.name}-held.{f}.txt") for f in ("out", "err")
        )
        with open(self.stdout, "wb") as out, open(self.stderr, "wb") as err:
            # stdin is a pipe that the parent never writes to: a held run waits on it for the
            # kill, and reads EOF (and exits) if the parent dies first.
            self.proc = subprocess.Popen(
                [sys.executable, str(TRAIN), "--no-progress", *args],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=env,
            )

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def wait_for(self, line: str, deadline: float) -> None:
        while line not in self.stdout.read_text(errors="replace"):
            assert self.proc.poll() is None, f"exited {self.proc.returncode} before {line!r}\n{self.output()}"
            assert time.monotonic() < deadline, f"no {line!r} in {TIMEOUT} s\n{self.output()}"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if not self.proc.stdin.closed:
            self.proc.stdin.close()


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()}


def _load(data: bytes) -> Any:
    return torch.load(io.BytesIO(data), weights_only=True)


def _same(a: Any, b: Any) -> bool:
    """Equal bit for bit, through dicts, lists and tensors."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def _main(train: ModuleType, args: list[str]) -> dict[str, Any]:
    """``train.main(args)`` in this process: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    threads = torch.get_num_threads()  # main() sets one thread; give this process its own back
    code: Any = 0
    try:
        # fork_rng: main() seeds torch; leave the other tests' RNG as it was.
        with torch.random.fork_rng(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            train.main(args)
    except SystemExit as error:
        code = error.code
    finally:
        torch.set_num_threads(threads)
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


@pytest.fixture(scope="module")
def held_in_save(tmp_path_factory) -> dict[str, Proc]:
    """A run for each case of KILLS, started now, to be held in its save (and none outlives the module)."""
    root = tmp_path_factory.mktemp("held_in_save")
    held: dict[str, Proc] = {}
    try:
        for name, (file, moment) in KILLS.items():
            directory = root / name.replace(" ", "_")
            directory.mkdir()
            held[name] = Proc([*FAST, "--output", str(directory)], directory, f"{file}:{moment}")
        yield held
    finally:
        for proc in held.values():
            proc.stop()


@pytest.fixture(scope="module")
def killed_in_save(held_in_save, two_epochs, tmp_path_factory, train):
    """Each case of KILLS killed at its moment and resumed, and PLANTED resumed.

    The resumes run in this process (``main()``, which reseeds and sets one thread as a new
    process does), which saves importing torch four more times: what they resume from is on
    disk either way. Per case: its directory, its files just after the kill (or as planted),
    and the resume's exit code, stdout and stderr.
    """
    root = tmp_path_factory.mktemp("killed_in_save")
    straight, _ = two_epochs
    cases: dict[str, dict[str, Any]] = {name: {"dir": proc.dir} for name, proc in held_in_save.items()}
    planted = root / "planted"
    planted.mkdir()
    shutil.copy(straight / "checkpoint-1.pt", planted)
    whole = (straight / "checkpoint-2.pt").read_bytes()
    (planted / "checkpoint-2.pt").write_bytes(whole[: len(whole) // 2])
    (planted / "history.json").write_bytes(b'{"sched": "cosine", "lr": [0.1, 0.0')
    cases[PLANTED] = {"dir": planted, "after": _files(planted)}

    deadline = time.monotonic() + TIMEOUT
    for name, proc in held_in_save.items():
        file, moment = KILLS[name]
        proc.wait_for(f"holding in the save of {file} ({moment})", deadline)
        os.kill(proc.proc.pid, signal.SIGKILL)
        assert proc.proc.wait(timeout=TIMEOUT) == -signal.SIGKILL, name
        cases[name]["after"] = _files(cases[name]["dir"])

    for name, case in cases.items():
        directory = case["dir"]
        # The kills rerun the command with a bare --resume; the planted case names the torn file.
        resume = ["--resume"] if name in KILLS else ["--resume", str(directory / "checkpoint-2.pt")]
        case.update(_main(train, ["--no-progress", *FAST, "--output", str(directory), *resume]))
    return cases


@pytest.mark.timeout(2 * TIMEOUT)
@pytest.mark.parametrize("name", KILLS)
def test_a_kill_in_the_middle_of_a_save_leaves_every_file_whole(name, killed_in_save):
    file, moment = KILLS[name]
    after = killed_in_save[name]["after"]
    leftovers = [f for f in after if LEFTOVER.fullmatch(f)]
    # Every file under its own name is whole: the checkpoints load, the history parses.
    for f, data in after.items():
        if f.startswith("checkpoint-"):
            assert _load(data)["epoch"] == int(f[len("checkpoint-") : -len(".pt")]), f
        elif f == "history.json":
            json.loads(data)
    assert sorted(f for f in after if f.startswith("checkpoint-")) == ["checkpoint-1.pt"], sorted(after)
    # The history is epoch 1's, or none when the kill came before the first one was in place.
    if file == "checkpoint-2.pt":
        assert len(json.loads(after["history.json"])["epochs"]) == 1
    else:
        assert "history.json" not in after
    if moment == "after-replace":
        assert leftovers == []
    else:
        # The kill landed inside the save: its temporary file is there, torn mid-write (what an
        # in-place writer would have left as the newest checkpoint), whole before the rename.
        (leftover,) = leftovers
        assert leftover.startswith(f".{file}.")
        if moment == "mid-write":
            with pytest.raises(Exception):  # noqa: B017 (any failure to load is the point)
                _load(after[leftover])
        else:
            assert len(json.loads(after[leftover])["epochs"]) == 1


@pytest.mark.timeout(2 * TIMEOUT)
@pytest.mark.parametrize("name", [*KILLS, PLANTED])
def test_resume_skips_what_is_not_whole_and_ends_bit_for_bit(name, killed_in_save, two_epochs):
    case = killed_in_save[name]
    directory = case["dir"]
    assert case["code"] == 0, f"exit {case['code']}\n{case['stdout']}\n{case['stderr']}"
    assert f"resumed from {directory / 'checkpoint-1.pt'} after epoch 1" in case["stdout"]
    # One line per file skipped, naming it and why; nothing else on stderr.
    skipped = case["stderr"].splitlines()
    leftovers = [f for f in case["after"] if LEFTOVER.fullmatch(f)]
    want = [
        rf"skipping {re.escape(str(directory / f))}: left over from a save that was cut short \(removed\)"
        for f in leftovers
    ]
    if name == PLANTED:
        torn, history, source = (re.escape(str(directory / f)) for f in PLANTED_NAMES)
        want = [
            rf"skipping {torn}: truncated or corrupt, [0-9]+ bytes \(.+\)",
            rf"skipping {history}: not a history \(.+\); rewritten from {source}",
        ]
    assert len(skipped) == len(want) and all(map(re.fullmatch, want, skipped)), case["stderr"]
    files = _files(directory)
    assert not [f for f in files if LEFTOVER.fullmatch(f)]

    # The resumed run ends bit for bit where the straight one did: the history (lr, loss and
    # accuracy of every update and epoch) and the whole last checkpoint.
    straight, _ = two_epochs
    want_history = json.loads((straight / "history.json").read_text())
    history = json.loads(files["history.json"])
    per_epoch = want_history["updates_per_epoch"]
    assert len(set(want_history["lr"][per_epoch:])) == per_epoch  # epoch 2 changes the lr each update
    assert history == want_history
    assert _same(_load(files["checkpoint-2.pt"]), torch.load(straight / "checkpoint-2.pt", weights_only=True))


# -- the same, file by file, in-process -----------------------------------------------------------


@pytest.fixture(scope="module")
def train() -> ModuleType:
    """examples/train.py as a module (nothing runs on import)."""
    spec = importlib.util.spec_from_file_location("lrkit_example_train", TRAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def good(two_epochs) -> tuple[bytes, bytes]:
    """The bytes of a whole checkpoint-1.pt and checkpoint-2.pt."""
    out, _ = two_epochs
    return (out / "checkpoint-1.pt").read_bytes(), (out / "checkpoint-2.pt").read_bytes()


def _skips(capsys) -> list[str]:
    err = capsys.readouterr().err
    return err.splitlines()


class Executes:
    """A pickle that would create ``marker`` when loaded without weights_only."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _not_ours(tmp_path: Path) -> dict[str, bytes]:
    """Files that load but are not this script's checkpoints, or would run code."""
    made = {}
    for label, obj in {
        "a list": [1, 2],
        "no history": {"model": {}, "optimizer": {}, "scheduler": None, "epoch": 2},
        "epoch 0": {"model": {}, "optimizer": {}, "scheduler": None, "epoch": 0, "history": {}},
        "epoch True": {"model": {}, "optimizer": {}, "scheduler": None, "epoch": True, "history": {}},
        "short history": {
            "model": {},
            "optimizer": {},
            "scheduler": None,
            "epoch": 2,
            "history": {"lr": [], "loss": [], "epochs": [{}]},
        },
        "code": Executes(str(tmp_path / "executed")),
    }.items():
        buffer = io.BytesIO()
        torch.save(obj, buffer)
        made[label] = buffer.getvalue()
    return made


@pytest.mark.timeout(60)
def test_an_empty_newest_checkpoint_is_skipped_not_an_eoferror(train, good, tmp_path, capsys):
    # The reproducer: the newest checkpoint left empty by a kill; torch.load raises EOFError.
    (tmp_path / "checkpoint-1.pt").write_bytes(good[0])
    (tmp_path / "checkpoint-2.pt").write_bytes(b"")
    with pytest.raises(EOFError):
        torch.load(tmp_path / "checkpoint-2.pt", weights_only=True)
    path, checkpoint = train.find_checkpoint(tmp_path)
    assert path == tmp_path / "checkpoint-1.pt" and checkpoint["epoch"] == 1
    assert _skips(capsys) == [f"skipping {tmp_path / 'checkpoint-2.pt'}: empty (0 bytes)"]


@pytest.mark.timeout(120)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=1), junk=st.binary(max_size=64), newest=st.integers(min_value=2, max_value=12)
)
def test_a_truncated_or_garbled_newest_checkpoint_is_skipped(
    train, good, tmp_path_factory, capsys, cut, junk, newest
):
    directory = tmp_path_factory.mktemp("ckpt")
    whole = good[1]
    torn = whole[: cut % len(whole)] + junk
    (directory / "checkpoint-1.pt").write_bytes(good[0])
    (directory / f"checkpoint-{newest}.pt").write_bytes(torn)
    capsys.readouterr()
    path, checkpoint = train.find_checkpoint(directory)
    assert path == directory / "checkpoint-1.pt" and _same(checkpoint, _load(good[0]))
    (line,) = _skips(capsys)
    why = "empty \\(0 bytes\\)" if not torn else "truncated or corrupt, [0-9]+ bytes \\(.+\\)"
    assert re.fullmatch(rf"skipping {re.escape(str(directory / f'checkpoint-{newest}.pt'))}: {why}", line)
    assert len(line) < 400 + len(str(directory))


@pytest.mark.timeout(60)
def test_files_that_are_not_this_scripts_checkpoints_are_skipped(train, good, tmp_path, capsys):
    (tmp_path / "checkpoint-1.pt").write_bytes(good[0])
    for label, data in _not_ours(tmp_path).items():
        (tmp_path / "checkpoint-5.pt").write_bytes(data)
        path, _ = train.find_checkpoint(tmp_path)
        assert path == tmp_path / "checkpoint-1.pt", label
        (line,) = _skips(capsys)
        want = "truncated or corrupt" if label == "code" else "not a checkpoint of this script"
        assert line.startswith(f"skipping {tmp_path / 'checkpoint-5.pt'}: {want}"), (label, line)
    assert not (tmp_path / "executed").exists()  # weights_only: the pickle's code never ran


@pytest.mark.timeout(60)
def test_the_newest_good_checkpoint_wins_and_a_named_one_is_taken(train, good, tmp_path, capsys):
    for n in (1, 2, 10):  # 10 sorts before 2 as text: the number decides
        (tmp_path / f"checkpoint-{n}.pt").write_bytes(good[0] if n == 1 else good[1])
    (tmp_path / "checkpoint-x.pt").write_bytes(b"not numbered: never a candidate")
    assert train.find_checkpoint(tmp_path)[0] == tmp_path / "checkpoint-10.pt"
    # A named checkpoint is taken as it is, newer ones notwithstanding...
    assert train.find_checkpoint(tmp_path / "checkpoint-1.pt")[0] == tmp_path / "checkpoint-1.pt"
    assert _skips(capsys) == []
    # ... and when it is torn, the newest good one older than it is.
    (tmp_path / "checkpoint-2.pt").write_bytes(good[1][:100])
    assert train.find_checkpoint(tmp_path / "checkpoint-2.pt")[0] == tmp_path / "checkpoint-1.pt"
    assert len(_skips(capsys)) == 1


@pytest.mark.timeout(60)
def test_leftovers_of_cut_saves_are_removed_and_never_resumed_from(train, good, tmp_path, capsys):
    (tmp_path / "checkpoint-1.pt").write_bytes(good[0])
    # Whole, even: not renamed into place, so not known to be whole.
    names = [".checkpoint-2.pt.4242.tmp", ".history.json.77.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(good[1])
    (tmp_path / ".other.tmp").write_bytes(b"not ours: left alone")
    assert train.find_checkpoint(tmp_path)[0] == tmp_path / "checkpoint-1.pt"
    assert _skips(capsys) == [
        f"skipping {tmp_path / name}: left over from a save that was cut short (removed)" for name in names
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp", "checkpoint-1.pt"]


@pytest.mark.timeout(60)
def test_no_good_checkpoint_is_a_clear_error(train, good, tmp_path, capsys):
    with pytest.raises(SystemExit, match=r"no good checkpoint in .* \(none found\); run without --resume"):
        train.find_checkpoint(tmp_path)
    with pytest.raises(SystemExit, match=r"cannot resume: .*nowhere\.pt does not exist"):
        train.find_checkpoint(tmp_path / "nowhere.pt")
    (tmp_path / "checkpoint-1.pt").write_bytes(good[0][:-1])
    (tmp_path / "checkpoint-2.pt").write_bytes(b"")
    with pytest.raises(SystemExit, match=r"no good checkpoint in .* \(2 skipped\)") as error:
        train.find_checkpoint(tmp_path)
    assert "\n" not in str(error.value)
    assert len(_skips(capsys)) == 2
    # Nothing was removed: the files are there to look at.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-1.pt", "checkpoint-2.pt"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "content",
    [b"", b'{"lr": [0.1,', b"\xff\xfe", b"[1, 2]", b"[" * 100_000, b"NaN"],
    ids=["empty", "torn", "not-utf8", "not-an-object", "deep", "nan"],
)
def test_a_garbage_history_is_skipped_and_rewritten(train, tmp_path, capsys, content):
    path = tmp_path / "history.json"
    path.write_bytes(content)
    history = {"lr": [0.1, 0.05], "loss": [2.0, 1.5], "epochs": [{"epoch": 1}]}
    train.resume_history(path, history, tmp_path / "checkpoint-1.pt")
    (line,) = _skips(capsys)
    assert line.startswith(f"skipping {path}: not a history (") and line.endswith(
        f"); rewritten from {tmp_path / 'checkpoint-1.pt'}"
    )
    assert len(line) < 300 + 2 * len(str(tmp_path))
    assert json.loads(path.read_text()) == history
    # A good one is rewritten silently.
    train.resume_history(path, {**history, "lr": [0.2]}, tmp_path / "checkpoint-1.pt")
    assert _skips(capsys) == [] and json.loads(path.read_text())["lr"] == [0.2]


@pytest.mark.timeout(60)
def test_a_save_that_fails_leaves_the_old_file_and_no_temporary(train, tmp_path, monkeypatch):
    path = tmp_path / "checkpoint-3.pt"
    path.write_bytes(b"old")

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train.os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        train.save_atomically(path, b"new" * 1000)
    assert _files(tmp_path) == {"checkpoint-3.pt": b"old"}
    monkeypatch.undo()
    train.save_atomically(path, b"new")
    assert _files(tmp_path) == {"checkpoint-3.pt": b"new"}


@pytest.mark.timeout(120)
def test_resume_with_other_flags_is_refused_and_changes_nothing(train, two_epochs, tmp_path):
    out, _ = two_epochs
    shutil.copy(out / "checkpoint-1.pt", tmp_path)
    before = _files(tmp_path)
    result = _main(train, ["--no-progress", *FAST, "--sched", "step", "--output", str(tmp_path), "--resume"])
    message = str(result["code"])
    assert re.match(rf"cannot resume from {re.escape(str(tmp_path / 'checkpoint-1.pt'))}: ", message)
    assert message.endswith("; resume with the flags of the run that wrote it") and "\n" not in message
    assert _files(tmp_path) == before


# -- the driving guide's pattern for users' own loops ---------------------------------------------


def _resume_block(guide: str) -> str:
    """The first ```python block of the guide's "## Resume after a crash" section."""
    pattern = r"^## Resume after a crash[^\n]*\n(.*?)(?=^## |\Z)"
    section = re.search(pattern, guide, flags=re.MULTILINE | re.DOTALL)
    assert section is not None, f"{DRIVING} lost its 'Resume after a crash' section"
    block = re.search(r"^```python\n(.*?)^```", section[1], flags=re.MULTILINE | re.DOTALL)
    assert block is not None, f"{DRIVING}'s resume section lost its python block"
    return block[1]


@pytest.mark.timeout(60)
def test_the_guides_atomic_save_runs_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    code = _resume_block(DRIVING.read_text())
    for step in ("torch.save(", ".flush()", "os.fsync(", "os.replace("):
        assert step in code, f"the guide's atomic save lost {step}"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "guide_resume"}
    exec(compile(code, f"{DRIVING}:resume", "exec"), namespace)  # its own asserts run too
    save = namespace["save_atomically"]
    target = tmp_path / "state.pt"
    save({"epoch": 1}, target)
    # A save that fails half-way (a lambda cannot be pickled) leaves the old file, and no temporary.
    with pytest.raises(Exception):  # noqa: B017 (pickle's error type varies)
        save({"epoch": 2, "bad": lambda: None}, target)
    assert torch.load(target, weights_only=True) == {"epoch": 1}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
