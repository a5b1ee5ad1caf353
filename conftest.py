"""What the whole tree's collection leaves out when an optional dependency is missing.

The suite runs in two environments (``make test`` and ``make test-core``): without torch, the
torch layer's modules cannot even be imported for their doctests, so they are not collected;
each test module skips what it needs on its own.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    # resume_child.py is a script the resume tests run; --doctest-modules would import it.
    collect_ignore += ["src/lrkit/torch", "src/lrkit/timm.py", "src/lrkit/yolo.py", "tests/resume_child.py"]
