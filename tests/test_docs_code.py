"""Every ```python block of README.md and of the guides under docs/ runs, as written, in order.

A page is one namespace, as a reader pasting its blocks into one session would have it; each
page runs in a fresh temporary folder (what it writes lands there). A block that starts with
``>>>`` is a doctest, so the values it prints are checked; any other block is run as a script,
its own ``assert`` lines checking it. Blocks in other languages (``console``, ``yaml``,
``text``) are not Python and are not run, but a ``yaml`` block right after a line naming a file
(``# tree.yaml``) is written to that file first, so the Python that reads it finds it.

In the core-only setup (no torch) a page that needs torch or a framework skips where its first
import of one fails; with everything installed, a missing module is a failure.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: Generated at build time (the gallery) or not prose (the build's own files).
SKIPPED_DIRS = {"gallery", "_build", "_ext", "api"}
FENCE = re.compile(
    r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)\s*$",
    re.M | re.S,
)
FILE_LINE = re.compile(r"^#\s*(?P<name>[\w./-]+\.(?:ya?ml|json|toml|cfg|py))\b")


def pages() -> list[Path]:
    found = [ROOT / "README.md"]
    for path in sorted(DOCS.rglob("*.md")):
        if not SKIPPED_DIRS & set(path.relative_to(DOCS).parts) and path.name != "README.md":
            found.append(path)
    return found


def blocks(text: str) -> list[tuple[str, str, int]]:
    """Every fenced block: ``(language, code, line)``."""
    found = []
    for match in FENCE.finditer(text):
        language = match["info"].strip().split(" ")[0].strip("{}")
        line = text.count("\n", 0, match.start()) + 2
        body = match["body"]
        indent = len(match["indent"])
        if indent:
            body = "\n".join(row[indent:] for row in body.splitlines()) + "\n"
        found.append((language, body, line))
    return found


def _needs_missing_module(error: BaseException) -> str | None:
    if isinstance(error, ModuleNotFoundError) and importlib.util.find_spec("torch") is None:
        return error.name
    return None


def run_page(path: Path, workdir: Path) -> int:
    """Run every Python block of ``path`` in one namespace, in ``workdir``; returns how many ran."""
    text = path.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__main__"}
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    ran = 0
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for language, code, line in blocks(text):
        if language in ("yaml", "yml", "json", "toml"):
            first = code.splitlines()[0] if code.strip() else ""
            named = FILE_LINE.match(first)
            if named:
                target = workdir / named["name"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(code, encoding="utf-8")
            continue
        if language not in ("python", "py", "pycon"):
            continue
        where = f"{label}:{line}"
        try:
            if code.lstrip().startswith(">>>"):
                test = parser.get_doctest(code, namespace, where, str(path), line - 1)
                output: list[str] = []
                runner.run(test, out=output.append, clear_globs=False)
                if runner.failures:
                    printed = "".join(output)
                    missing = re.search(r"ModuleNotFoundError: No module named '([\w.]+)'", printed)
                    if missing and importlib.util.find_spec("torch") is None:
                        pytest.skip(f"{label} needs {missing[1]}, which the core-only setup has not")
                    pytest.fail(
                        f"{where}: the block's printed values differ:\n" + "".join(output), pytrace=False
                    )
                namespace.update(test.globs)
            else:
                exec(compile(code, where, "exec"), namespace)
        except Exception as error:
            missing = _needs_missing_module(error)
            if missing:
                pytest.skip(f"{label} needs {missing}, which the core-only setup has not")
            raise AssertionError(f"{where}: the block raised {type(error).__name__}: {error}") from error
        ran += 1
    return ran


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_block_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    # A page may read the files the repository ships (examples/configs/...): they are linked here.
    for name in ("examples",):
        (tmp_path / name).symlink_to(ROOT / name)
    # A page is a reader's fresh session: what an earlier test compiled is not in it.
    if "torch._dynamo" in sys.modules:
        sys.modules["torch._dynamo"].reset()
    before = set(sys.modules)
    try:
        ran = run_page(path, tmp_path)
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        for name in set(sys.modules) - before:
            if name.startswith("__main__"):
                del sys.modules[name]
    assert ran or not any(lang in ("python", "py") for lang, _, _ in blocks(path.read_text("utf-8"))), path


def test_the_runner_checks_printed_values(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 2\n```\n\n```python\n>>> x + 1\n4\n```\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="printed values differ"):
        run_page(page, tmp_path)
    page.write_text("```python\nx = 2\n```\n\n```python\n>>> x + 1\n3\n```\n", encoding="utf-8")
    assert run_page(page, tmp_path) == 2


def test_the_runner_writes_named_yaml_blocks_and_runs_scripts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text(
        "```yaml\n# conf/a.yaml\nvalue: 3\n```\n\n```python\nimport pathlib\n"
        "assert 'value: 3' in pathlib.Path('conf/a.yaml').read_text()\nraise SystemExit('ran')\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="ran"):
        run_page(page, tmp_path)
    page.write_text("```python\n1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"page.md:2: the block raised ZeroDivisionError"):
        run_page(page, tmp_path)
