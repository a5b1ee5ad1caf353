"""The documentation site: it builds in strict mode, and every image and internal link it has resolves.

``make test`` builds the site once with ``make docs`` and points ``LRKIT_DOCS_HTML`` at it;
run alone, this module builds it itself (strict: a warning, a broken reference or a failing
gallery entry fails the build). It opens every page the way a browser would need it: each
``<img>``, stylesheet and script it loads must exist, and each internal link must reach a
page, and the anchor it names on that page.
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("torch")  # the gallery draws the plateaus by stepping torch optimizers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import gallery  # noqa: E402

from lrkit.recipes import registry  # noqa: E402


def build(out: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-n",
        "-q",
        "-b",
        "html",
        "docs",
        str(out),
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("LRKIT_DOCS_HTML")
    if built:
        path = Path(built)
        if not path.is_absolute():
            path = ROOT / path
        assert (path / "index.html").is_file(), f"LRKIT_DOCS_HTML={built} holds no built site"
        return path
    out = tmp_path_factory.mktemp("html")
    done = build(out)
    assert done.returncode == 0, (
        f"the strict docs build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return out


class Page(HTMLParser):
    """The ids a page defines, and the addresses it loads and links to."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img" and "src" in a:
            self.images.append(a["src"])
        elif tag == "script" and "src" in a:
            self.loads.append(a["src"])
        elif tag == "link" and "href" in a and a.get("rel") in ("stylesheet", "icon", "search", "index"):
            self.loads.append(a["href"])
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def internal(address: str) -> bool:
    parts = urlsplit(address)
    return not parts.scheme and not parts.netloc and not address.startswith(("mailto:", "javascript:"))


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[Path, Page]:
    return {p: parse(p) for p in sorted(site.rglob("*.html"))}


def test_the_site_has_the_front_page_the_guides_the_gallery_and_the_reference(site: Path) -> None:
    for page in ("index.html", "search.html", "genindex.html", "gallery/index.html", "gallery/proofs.html"):
        assert (site / page).is_file(), page
    guides = sorted(p.stem for p in (ROOT / "docs" / "guides").glob("*.md"))
    assert len(guides) >= 15, guides
    for guide in guides:
        assert (site / "guides" / f"{guide}.html").is_file(), guide
    assert (site / "searchindex.js").stat().st_size > 10_000


def test_every_image_stylesheet_and_script_a_page_loads_exists(pages: dict[Path, Page]) -> None:
    missing = []
    for path, page in pages.items():
        for address in page.images + page.loads:
            if internal(address) and urlsplit(address).path:
                target = (path.parent / unquote(urlsplit(address).path)).resolve()
                if not target.is_file() or target.stat().st_size == 0:
                    missing.append(f"{path.name}: {address}")
    assert not missing, missing[:20]


def test_every_internal_link_reaches_its_page_and_anchor(site: Path, pages: dict[Path, Page]) -> None:
    broken = []
    for path, page in pages.items():
        for address in page.links:
            if not internal(address):
                continue
            parts = urlsplit(address)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(site)}: {address} (no such file)")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(site)}: {address} (no such anchor)")
    assert not broken, broken[:20]


def test_every_registered_name_has_its_picture_and_entry(site: Path) -> None:
    for recipe in registry.recipes():
        page = site / "gallery" / f"{recipe.source}.html"
        html = page.read_text(encoding="utf-8")
        anchor = f'id="gallery-{gallery._slug(recipe.qualified)}"'
        assert anchor in html, recipe.qualified
        image = f"{recipe.source}-{gallery._slug(recipe.name)}.png"
        assert f'src="../_images/{image}"' in html, recipe.qualified
        png = (site / "_images" / image).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000, recipe.qualified


def test_every_combinator_has_its_picture_and_entry(site: Path) -> None:
    html = (site / "gallery" / "combinators.html").read_text(encoding="utf-8")
    names = sorted(registry.node_examples())
    assert {"warmup", "sequence", "cycles", "noise", "scale"} <= set(names)
    for name in names:
        assert f'id="gallery-combinators-{gallery._slug(name)}"' in html, name
        assert f'src="../_images/combinators-{gallery._slug(name)}.png"' in html, name


def test_the_front_page_is_the_readme_and_shows_the_thumbnail(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    first = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("# "))
    assert first[2:].strip() in html
    assert "most_used.png" in html


@pytest.fixture(scope="module")
def proof_ids() -> list[str]:
    """The test ids the gallery finds its proofs among (one pytest collection, about 12 s)."""
    return gallery.collect_test_ids(gallery.proof_files())


def test_the_committed_thumbnail_shows_todays_examples(proof_ids: list[str]) -> None:
    # GitHub shows README.md without a build, so its thumbnail is committed; the build redraws
    # it, and this fails when the committed one shows schedules or examples that changed since.
    from PIL import Image

    stamp = Image.open(gallery.THUMBNAIL).text.get("Description", "")
    by_name = {e.qualified: e for es in gallery.entries(proof_ids).values() for e in es}
    assert stamp == f"lrkit-gallery {gallery.thumbnail_digest(by_name)}", (
        "docs/images/most_used.png is stale: run `make docs` and commit it"
    )


def test_a_name_without_examples_or_without_a_proof_stops_the_gallery(monkeypatch, proof_ids) -> None:
    ids = proof_ids

    def builder(*, t_initial: float) -> object:
        """A recipe registered for this test only."""
        import lrkit

        return lrkit.cosine(t_initial=t_initial)

    recipe = registry.Recipe("lrkit", "test_only_shape", builder)
    monkeypatch.setitem(registry._RECIPES, recipe.qualified, recipe)
    with pytest.raises(gallery.GalleryError, match="registered without examples: lrkit:test_only_shape"):
        gallery.entries(ids)
    monkeypatch.setitem(registry._EXAMPLES, recipe.qualified, ({"t_initial": 5},))
    with pytest.raises(gallery.GalleryError, match="lrkit:test_only_shape: no test proves it"):
        gallery.entries(ids)
    monkeypatch.delitem(registry._RECIPES, recipe.qualified)
    # A combinator is held to the same rule through its node examples.
    monkeypatch.delitem(registry._NODE_EXAMPLES, "stairs")
    with pytest.raises(gallery.GalleryError, match="combinators without examples: stairs"):
        gallery.entries(ids)
