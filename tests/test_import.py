"""``import lrkit`` and its use on floats and NumPy arrays stay free of torch and matplotlib."""

import json
import subprocess
import sys

import pytest

# Runs in a fresh interpreter: this test session has imported torch already.
SCRIPT = """
import json, sys
import numpy as np
import lrkit

s = lrkit.warmup(
    lrkit.sequence(
        [lrkit.cycles(lrkit.cosine(t_initial=10), cycle_mul=2, cycle_limit=3), lrkit.constant(0.1)],
        boundaries=[70],
    ),
    warmup_t=5,
)
noisy = lrkit.noise(lrkit.clamp(lrkit.one_cycle(total_t=100), min_value=1e-4), range_t=(0, 50))
for schedule in (s, noisy, lrkit.wsd(t_initial=50, decay_t=10, warmup_t=5), 0.5 * lrkit.cyclic(2.0)):
    schedule(3.0, base=0.1)
    schedule(7)
    schedule(np.arange(100), base=np.array([0.1, 0.2])[:, None])
    schedule(np.float32(2.5))
    lrkit.sample(schedule, 10, base=[0.1, 0.2])
    assert lrkit.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule
print(json.dumps(sorted(m for m in ("torch", "matplotlib") if m in sys.modules)))
"""


def test_core_needs_neither_torch_nor_matplotlib():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_check_sees_torch_when_it_is_imported():
    # Guards the test above against passing vacuously (say, a module name that never appears).
    pytest.importorskip("torch")
    script = SCRIPT.replace("import lrkit\n", "import lrkit\nimport torch\n", 1)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["torch"]
