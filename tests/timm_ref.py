"""timm's ``timm.scheduler`` as the reference that ``lrkit.timm`` is compared against.

``import timm`` pulls in torchvision, which this environment does not have, while
``timm/scheduler/`` needs only torch and NumPy. So a bare ``timm`` package whose path is timm's
folder is registered just long enough to import ``timm.scheduler`` through it; the modules
already loaded keep working after ``sys.modules`` is put back, since nothing in
``timm/scheduler/`` imports lazily.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import types

import pytest


@functools.cache
def _load() -> types.ModuleType:
    spec = importlib.util.find_spec("timm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("timm is not installed")
    saved = {k: v for k, v in sys.modules.items() if k == "timm" or k.startswith("timm.")}
    bare = types.ModuleType("timm")
    bare.__path__ = list(spec.submodule_search_locations)
    sys.modules["timm"] = bare
    try:
        return importlib.import_module("timm.scheduler")
    finally:
        for key in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
            del sys.modules[key]
        sys.modules.update(saved)


def load_timm_scheduler() -> types.ModuleType:
    """timm's ``timm.scheduler`` module, or a pytest skip when timm is not installed.

    Loaded once per session so that every test compares against the same class objects.
    """
    return _load()


def with_legacy_api(cls: type) -> type:
    """``cls`` (a timm scheduler class) plus the ``get_epoch_values`` / ``get_update_values``
    pair that timm had before 1.0.

    Old timm defined them exactly as its current ``_get_values``: the lrs of ``_get_lr(t)``
    (no noise, no ``lr_scale``) when ``t`` is in the scheduler's unit, else None. The seed
    tutorials call them, so the reference run of their code needs them back.
    """

    def get_epoch_values(self, epoch):
        return self._get_values(epoch, on_epoch=True)

    def get_update_values(self, num_updates):
        return self._get_values(num_updates, on_epoch=False)

    return type(
        cls.__name__,
        (cls,),
        {"get_epoch_values": get_epoch_values, "get_update_values": get_update_values},
    )
