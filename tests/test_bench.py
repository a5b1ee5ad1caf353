"""bench/run.py --quick runs to the end and writes every figure, so the benchmark cannot rot.

No timing is asserted here: a shared machine makes timings flaky. The figures are checked for
being there, finite and positive, and the exact ones (recompiles, float32 error) for their value.
"""

import json
import math
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("torch")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_every_figure(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert set(results["step_overhead"]) == {"1", "10", "100", "1000"}
    for row in results["step_overhead"].values():
        assert set(row) == {"lrkit_us", "timm_us", "torch_us", "floor_us"}
        assert all(math.isfinite(v) and v > 0 for v in row.values())
    curve = results["curve_1m"]
    assert all(curve[k] > 0 for k in ("lrkit_ms", "timm_ms", "numpy_ms"))
    compiled = results["compile"]
    assert compiled["recompiles"] == 0  # a tensor lr changed every step never recompiles
    assert compiled["step_us_scheduled"] > 0 and compiled["step_us_constant"] > 0
    captured = results["capturable"]
    assert captured["recompiles"] == 0  # the schedule inside the compiled step, time a tensor
    assert all(captured[k] > 0 for k in ("step_us_capturable", "step_us_constant", "eager_driver_step_us"))
    drift = results["float32_drift"]
    # A closed form written into a float32 tensor is off by float32 rounding at most.
    assert drift["lrkit_max_rel"] <= 1.2e-7
    assert drift["torch_max_rel"] > drift["lrkit_max_rel"]
    assert "lrkit/timm" in run.stdout
