"""NeMo's ``nemo/core/optim/lr_scheduler.py`` as the reference ``lrkit.recipes.nemo`` is compared against.

nemo_toolkit is installed without its dependencies (hydra, lightning, ...), which
``import nemo.core`` needs, while the scheduler classes of that one file need only torch and
``math``. So the file is loaded by its path as a module of its own, with the few names it
imports from the rest of NeMo (and omegaconf, where that is missing) stood in for by minimal
stub modules placed in ``sys.modules`` only while it loads; ``sys.modules`` is put back
afterwards. Nothing in the classes reads the stubs: they serve NeMo's config helpers
(``prepare_lr_scheduler``), which the tests do not call.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import types

import pytest

_FILE = os.path.join("core", "optim", "lr_scheduler.py")


def _stub(name: str, **attributes: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    module.__path__ = []  # a package, so that the stubs below it import
    return module


class _SchedulerParams:
    """Stands in for ``nemo.core.config.schedulers.SchedulerParams`` (an annotation only)."""


class _Logging:
    """Stands in for ``nemo.utils.logging``: the config helpers log through it."""

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None


def _unavailable(name: str):
    def call(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"{name} is a stub in tests/nemo_ref.py: NeMo's config helpers are not loaded")

    return call


def _stubs() -> dict[str, types.ModuleType]:
    stubs = {
        "nemo": _stub("nemo"),
        "nemo.core": _stub("nemo.core"),
        "nemo.core.classes": _stub("nemo.core.classes"),
        "nemo.core.classes.common": _stub(
            "nemo.core.classes.common", safe_instantiate=_unavailable("safe_instantiate")
        ),
        "nemo.core.config": _stub("nemo.core.config"),
        "nemo.core.config.schedulers": _stub(
            "nemo.core.config.schedulers",
            SchedulerParams=_SchedulerParams,
            get_scheduler_config=_unavailable("get_scheduler_config"),
            register_scheduler_params=lambda name, scheduler_params: None,
        ),
        "nemo.utils": _stub("nemo.utils", logging=_Logging()),
        "nemo.utils.model_utils": _stub(
            "nemo.utils.model_utils", maybe_update_config_version=lambda config, *a, **k: config
        ),
    }
    if importlib.util.find_spec("omegaconf") is None:
        stubs["omegaconf"] = _stub(
            "omegaconf", DictConfig=type("DictConfig", (dict,), {}), OmegaConf=object()
        )
    return stubs


@functools.cache
def _load() -> types.ModuleType:
    pytest.importorskip("torch")
    spec = importlib.util.find_spec("nemo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("nemo_toolkit is not installed", allow_module_level=True)
    path = os.path.join(next(iter(spec.submodule_search_locations)), _FILE)
    if not os.path.exists(path):
        pytest.skip(f"this nemo_toolkit has no {_FILE}", allow_module_level=True)
    stubs = _stubs()
    saved = {k: sys.modules[k] for k in stubs if k in sys.modules}
    sys.modules.update(stubs)
    try:
        file_spec = importlib.util.spec_from_file_location("nemo_lr_scheduler_reference", path)
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
        return module
    finally:
        for key in stubs:
            del sys.modules[key]
        sys.modules.update(saved)


def load_nemo_lr_scheduler() -> types.ModuleType:
    """NeMo's ``lr_scheduler`` module, or a pytest skip when nemo_toolkit (or torch) is not installed.

    Loaded once per session so that every test compares against the same class objects.
    """
    return _load()
