"""Build the course site and one slide deck per lesson from the committed notebooks, without re-executing them.

    python -m tools.build_book [--out build/book]      # what `make book` runs

Every ``notebooks/*.ipynb`` is a lesson, in file-name order. Each is copied, never changed in place: slide defaults
(``tools/classroom.py``) fill cells that have none, widgets become a static picture of their last state, reference
solutions are collapsed, and developer markers are dropped. Sphinx + MyST-NB (configuration in ``book/``) makes the
site; nbconvert's reveal.js exporter makes the decks. The JavaScript the pages load (MathJax, reveal.js) is copied
from the npm packages installed in ``book/node_modules`` (``npm ci`` there; ``make book`` does it), and the build
fails if any page still loads a script, style sheet or font from the network.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from tools.classroom import apply_slide_defaults, is_solution

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# widget models that only show something; any other model in a widget's tree is a control a learner moves
DISPLAY_ONLY = {"BoxModel", "HBoxModel", "VBoxModel", "GridBoxModel", "HTMLModel", "HTMLMathModel", "LabelModel",
                "FloatProgressModel", "IntProgressModel", "OutputModel", "ImageModel"}
LIVE_NOTE = ("*A static picture of this widget's last state. To move its controls, run the notebook in your own "
             "copy: on your computer, Binder or Colab (the course's home page says how).*")
NBVAL_MARKER = re.compile(r"^# NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)
# files the pages load, per npm package in book/package.json (glob patterns, relative to the package)
VENDOR = {
    "mathjax": ["LICENSE", "es5/tex-chtml.js", "es5/input/tex/extensions/**/*.js",
                "es5/output/chtml/fonts/woff-v2/*.woff"],
    "reveal.js": ["LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                  "dist/theme/fonts/source-sans-pro/*.css", "dist/theme/fonts/source-sans-pro/*.woff",
                  "plugin/notes/notes.js"],
}
SLIDE_SIZE = {"reveal_width": "1280", "reveal_height": "720"}


class BuildError(RuntimeError):
    """The site could not be built; the message says why and what to do."""


# --- one lesson, prepared for the site and the slides ----------------------------------------------------------

def lesson_title(nb: NotebookNode, fallback: str) -> str:
    """Text of the notebook's first level-1 heading, or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (match := re.search(r"^#\s+(.+?)\s*$", cell.source, re.MULTILINE)):
            return match.group(1)
    return fallback


def _widget_tree(state: dict, model_id: str) -> list[dict]:
    """The widget model ``model_id`` and every model under it, depth first (children before later siblings)."""
    model = state.get(model_id)
    if model is None:
        return []
    found = [model]
    for child in model["state"].get("children", []):
        found += _widget_tree(state, child.removeprefix("IPY_MODEL_"))
    return found


def static_widget(state: dict, model_id: str) -> list[NotebookNode]:
    """Outputs that show widget ``model_id`` without a widget manager: the last PNG its output areas hold (or,
    for a progress bar, its last text), plus a note on running it live when it has controls to move."""
    tree = _widget_tree(state, model_id)
    pngs = [out["data"]["image/png"] for model in tree for out in model["state"].get("outputs", [])
            if "image/png" in out.get("data", {})]
    controls = [model["state"] for model in tree if model["model_name"] not in DISPLAY_ONLY]
    outputs = []
    if pngs:
        outputs.append(nbformat.v4.new_output("display_data", data={"image/png": pngs[-1]}))
    else:
        text = " ".join(html.unescape(model["state"]["value"]) for model in tree
                        if model["model_name"] in ("HTMLModel", "LabelModel") and model["state"].get("value"))
        if text:
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text.replace("\u2007", " ") + "\n"))
    if controls or not outputs:
        settings = ", ".join(f"{c['description']} = {c['value']}" for c in controls
                             if c.get("description") and "value" in c)
        note = LIVE_NOTE + (f" Shown with: {settings}." if settings else "")
        outputs.append(nbformat.v4.new_output("display_data", data={"text/markdown": note}))
    return outputs


def prepare_lesson(path: Path) -> NotebookNode:
    """A copy of the lesson at ``path`` ready for the slides and the site (the file itself is not changed)."""
    nb = nbformat.read(path, as_version=4)
    apply_slide_defaults(nb)
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = NBVAL_MARKER.sub("", cell.source)
        outputs = []
        for out in cell.outputs:
            view = out.get("data", {}).get(WIDGET_VIEW)
            outputs += static_widget(state, view["model_id"]) if view else [out]
        cell.outputs = outputs
    return nb


def for_site(nb: NotebookNode, slides_href: str) -> NotebookNode:
    """``nb`` with collapsed reference solutions and, under its title, links to its slides and to running it."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if is_solution(cell):  # nbgrader's markers are for the teacher's tools, not for readers
            cell.source = "\n".join(line for line in cell.source.split("\n")
                                    if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            cell.metadata.setdefault("tags", []).append("hide-input")
            cell.metadata["mystnb"] = {"code_prompt_show": "Show the reference solution",
                                       "code_prompt_hide": "Hide the reference solution"}
    links = (f'<p class="lesson-links"><a href="{slides_href}">Slides of this lesson</a> · '
             '<a href="../index.html#run-it-yourself">Run it yourself</a></p>')
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(links))
    return nb


# --- the whole build ----------------------------------------------------------------------------------------------

def vendor(target: Path, node_modules: Path = BOOK / "node_modules") -> int:
    """Copy the files in :data:`VENDOR` from ``node_modules`` to ``target``; return how many were copied."""
    copied = 0
    for package, patterns in VENDOR.items():
        source = node_modules / package
        if not source.is_dir():
            raise BuildError(f"{source} is missing: the site's JavaScript comes from npm. Run `make book`, or "
                             f"`npm ci` in {BOOK} (Node.js and npm from your system's packages)")
        for pattern in patterns:
            files = sorted(source.glob(pattern))
            if not files:
                raise BuildError(f"no file matches {package}/{pattern}: has book/package.json changed the version?")
            for file in files:
                dest = target / package / file.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, dest)
                copied += 1
    return copied


def write_slides(nb: NotebookNode, dest: Path, title: str) -> None:
    """``nb`` as a reveal.js deck at ``dest`` that loads reveal.js and MathJax from ``../_static``."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config({"SlidesExporter": {"reveal_url_prefix": "../_static/vendor/reveal.js", "reveal_scroll": True,
                                        "exclude_input_prompt": True, "exclude_output_prompt": True,
                                        "reveal_transition": "none", "reveal_theme": "white", **SLIDE_SIZE}})
    exporter = SlidesExporter(config=config, extra_template_basedirs=[str(BOOK)], template_name="slides_template")
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"static_url": "../_static"})
    dest.write_text(body, encoding="utf-8")


def _lesson_table(lessons: list[tuple[str, str]]) -> str:
    rows = [f"| [{title}](lessons/{stem}.ipynb) | <a href=\"slides/{stem}.slides.html\">slides</a> |"
            for stem, title in lessons]
    return "\n".join(["| lesson | slides |", "|---|---|", *rows]) + "\n"


def build(out: Path, notebooks: list[Path] | None = None) -> dict[str, float]:
    """Build the site into ``out`` (replaced if it holds an earlier build); return timings and counts."""
    start = time.monotonic()
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb")) if notebooks is None else notebooks
    if not notebooks:
        raise BuildError(f"no notebooks to build: {NOTEBOOKS} holds no .ipynb")
    if out.exists():
        if any(out.iterdir()) and not (out / ".buildinfo").exists():
            raise BuildError(f"{out} exists and is not an earlier build of the site: choose another --out")
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory(prefix="book-src-") as tmp:
        src = Path(tmp)
        shutil.copy(BOOK / "conf.py", src)
        shutil.copy(BOOK / "index.md", src)
        shutil.copytree(BOOK / "_static", src / "_static")
        files = vendor(src / "_static" / "vendor")
        (src / "lessons").mkdir()
        (src / "_generated").mkdir()
        slides = src / "slides"
        slides.mkdir()
        lessons = []
        for path in notebooks:
            nb = prepare_lesson(path)
            title = lesson_title(nb, path.stem)
            lessons.append((path.stem, title))
            write_slides(nb, slides / f"{path.stem}.slides.html", title)
            nbformat.write(for_site(nb, f"../slides/{path.stem}.slides.html"), src / "lessons" / path.name)
        (src / "_generated" / "lessons.md").write_text(_lesson_table(lessons), encoding="utf-8")
        prepared = time.monotonic()
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-d", str(src / ".doctrees"), str(src), str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise BuildError(f"sphinx-build failed ({done.returncode}):\n{done.stderr[-4000:]}")
        if done.stderr.strip():
            print(done.stderr.strip(), file=sys.stderr)
        shutil.copytree(slides, out / "slides")
    if problems := external_resources(out):
        raise BuildError("pages load resources from the network (the site must work offline):\n"
                         + "\n".join(problems[:20]))
    return {"lessons": len(notebooks), "vendored_files": files, "prepare_s": prepared - start,
            "total_s": time.monotonic() - start, "bytes": sum(f.stat().st_size for f in out.rglob("*") if f.is_file())}


# --- the offline check -------------------------------------------------------------------------------------------

_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:@import\s+|url\()\s*["']?((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)
_LOADING_LINKS = {"stylesheet", "preload", "modulepreload", "icon", "manifest", "prefetch"}


class _ResourceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self._in_style = tag == "style"
        if tag == "link" and not _LOADING_LINKS & set(values.get("rel", "").lower().split()):
            return
        for name in ("src", "href", "data"):
            if tag in ("script", "link", "img", "iframe", "source", "audio", "video", "embed", "object") and \
                    _REMOTE.match(values.get(name, "")):
                self.remote.append(f"<{tag} {name}={values[name]}>")
        self.remote += [f"style url {url}" for url in _CSS_URL.findall(values.get("style", ""))]

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.remote += [f"<style> url {url}" for url in _CSS_URL.findall(data)]


def external_resources(site: Path) -> list[str]:
    """Every script, style sheet, font or image that a page or style sheet under ``site`` loads from the network."""
    found = []
    for page in sorted(site.rglob("*.html")):
        finder = _ResourceFinder()
        finder.feed(page.read_text(encoding="utf-8", errors="replace"))
        found += [f"{page.relative_to(site)}: {item}" for item in finder.remote]
    for sheet in sorted(site.rglob("*.css")):
        found += [f"{sheet.relative_to(site)}: url {url}"
                  for url in _CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace"))]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book",
                        help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        stats = build(args.out.resolve())
    except BuildError as err:
        print(f"make book: {err}", file=sys.stderr)
        return 1
    print(f"Built {stats['lessons']} lessons in {stats['total_s']:.1f} s ({stats['bytes'] / 1e6:.1f} MB): "
          f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
