"""What the whole tree's collection leaves out when an optional dependency is missing.

The suite runs in two environments (``make test`` and ``make test-core``): without torch, the
torch layer's modules cannot even be imported for their doctests, so they are not collected,
and neither are the adapters without their framework (``lrkit.optax`` needs jax and optax,
``lrkit.keras`` keras and a backend for it); each test module skips what it needs on its own.
"""

import importlib.util
import os


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


collect_ignore = []
if not _installed("torch"):
    # resume_child.py is a script the resume tests run; --doctest-modules would import it.
    collect_ignore += ["src/lrkit/torch", "src/lrkit/timm.py", "src/lrkit/yolo.py", "tests/resume_child.py"]
if not (_installed("jax") and _installed("optax")):
    collect_ignore += ["src/lrkit/optax.py"]
# Keras takes its backend from KERAS_BACKEND at its first import, and without one it imports
# tensorflow, which this project does not install: collecting lrkit.keras imports keras, so
# it gets an installed backend first (the user's choice if set), or is not collected.
_keras_backend = os.environ.get("KERAS_BACKEND") or next((b for b in ("torch", "jax") if _installed(b)), None)
if _installed("keras") and _keras_backend and _installed(_keras_backend):
    os.environ["KERAS_BACKEND"] = _keras_backend
else:
    collect_ignore += ["src/lrkit/keras.py"]
