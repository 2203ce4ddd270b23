"""The course site (tools/build_book.py): built from the committed notebooks into a temporary folder, then read in
Chromium as a learner would: every page loads without a console error or a request off this machine, every figure
shows, the lesson links, the next-lesson links and the search work, solutions start collapsed, a slide deck advances.

The site's JavaScript is vendored from npm (``npm ci`` in book/, which ``make test`` and ``make book`` run first).
Without it, Chromium or playwright the tests skip, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from browser_support import missing, new_page

from tools import build_book

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="



# --- the pieces, without a browser --------------------------------------------------------------------------------

def _widget_state(*models: tuple[str, str, dict]) -> dict:
    return {model_id: {"model_name": name, "state": state} for model_id, name, state in models}


def test_a_widget_becomes_its_last_picture_and_a_note_on_running_it_live():
    png = {"output_type": "display_data", "data": {"image/png": PNG_1PX, "text/plain": "<figure>"}, "metadata": {}}
    state = _widget_state(
        ("box", "VBoxModel", {"children": ["IPY_MODEL_slider", "IPY_MODEL_out"]}),
        ("slider", "IntSliderModel", {"description": "depth", "value": 20}),
        ("out", "OutputModel", {"outputs": [{"output_type": "stream", "name": "stdout", "text": "updated: d=20\n"},
                                            dict(png, data={"image/png": "older"}), png]}))
    picture, note = build_book.static_widget(state, "box")
    assert picture.data == {"image/png": PNG_1PX}
    assert "run the notebook" in note.data["text/markdown"] and "Shown with: depth = 20." in note.data["text/markdown"]


def test_a_progress_bar_becomes_its_last_text_without_a_note():
    state = _widget_state(
        ("bar", "HBoxModel", {"children": ["IPY_MODEL_a", "IPY_MODEL_b", "IPY_MODEL_c"]}),
        ("a", "HTMLModel", {"value": "epoch\u20071/2:\u2007100%"}),
        ("b", "FloatProgressModel", {"value": 235.0, "max": 235.0}),
        ("c", "HTMLModel", {"value": "235/235 [00:38&lt;00:00]"}))
    assert build_book.static_widget(state, "bar") == [
        nbformat.v4.new_output("stream", name="stdout", text="epoch 1/2: 100% 235/235 [00:38<00:00]\n")]


def test_a_widget_without_saved_state_still_says_how_to_see_it():
    [note] = build_book.static_widget({}, "gone")
    assert note.data["text/markdown"] == build_book.LIVE_NOTE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prepared_lessons_need_no_widget_manager_and_show_no_markers(path):
    nb = build_book.prepare_lesson(path)
    assert "widgets" not in nb.metadata
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if build_book.WIDGET_VIEW in out.get("data", {})]
    assert not [cell for cell in nb.cells if "NBVAL_" in cell.source]
    assert all(cell.metadata["slideshow"]["slide_type"] in ("slide", "subslide", "-", "skip", "fragment", "notes")
               for cell in nb.cells)
    assert nbformat.read(path, as_version=4) != nb, "the committed notebook itself must stay as it was"


def test_the_offline_check_finds_every_kind_of_remote_resource(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/y.css">'
        '<img src="http://cdn.example/z.png"><style>@import url("https://fonts.example/f.css");</style>'
        '<a href="https://example.org/">a plain link is fine</a><link rel="canonical" href="https://example.org/">'
        '<script src="_static/local.js"></script>')
    (tmp_path / "b.css").write_text("@font-face { src: url(https://fonts.example/f.woff2) }")
    assert build_book.external_resources(tmp_path) == [
        "a.html: <script src=https://cdn.example/x.js>", "a.html: <link href=//cdn.example/y.css>",
        "a.html: <img src=http://cdn.example/z.png>", "a.html: <style> url https://fonts.example/f.css",
        "b.css: url https://fonts.example/f.woff2"]


# --- the built site in Chromium -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "book" / "node_modules").is_dir():
        missing("book/node_modules is missing", "run `make book` (npm ci in book/) to vendor the site's JavaScript")
    out = tmp_path_factory.mktemp("site") / "html"
    stats = build_book.build(out)
    print(f"site: {stats['lessons']} lessons built in {stats['total_s']:.1f} s, {stats['bytes'] / 1e6:.1f} MB")
    return out


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


class PageLog:
    """Console errors, failed requests and requests that tried to leave this machine, for one page."""

    def __init__(self, page: Page, base: str) -> None:
        self.problems: list[str] = []
        page.on("console", lambda msg: self.problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda err: self.problems.append(f"uncaught: {err}"))
        page.on("requestfailed", lambda req: self.problems.append(f"failed: {req.url} {req.failure}"))

        def route(route):
            if route.request.url.startswith((base, "data:")):
                route.continue_()
            else:
                self.problems.append(f"request off this machine: {route.request.url}")
                route.abort()

        page.route("**/*", route)


@pytest.fixture
def page(browser: Browser, site_url: str) -> Iterator[tuple[Page, PageLog]]:
    with new_page(browser, timeout_ms=20_000) as page:
        yield page, PageLog(page, site_url)


_IMAGES_JS = """() => [...document.images]
  .map(img => ({src: img.src.slice(-60), ok: img.complete && img.naturalWidth > 0, alt: img.alt}))"""
NO_ALT = "No description has been provided for this image"  # what nbconvert writes when a figure has none


def test_every_page_loads_offline_without_errors_and_shows_its_figures(site: Path, site_url: str, page):
    page, log = page
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if "_static" not in p.parts)
    assert {f"lessons/{nb.stem}.html" for nb in NOTEBOOKS} | {"index.html", "search.html"} <= set(pages)
    assert {f"slides/{nb.stem}.slides.html" for nb in NOTEBOOKS} <= set(pages)
    for name in pages:
        page.goto(f"{site_url}/{name}", wait_until="networkidle")
        images = page.evaluate(_IMAGES_JS)
        assert all(img["ok"] for img in images), f"{name}: images that did not load: {images}"
        if name.startswith(("lessons/", "slides/")):
            assert images, f"{name} shows no figure"
            undescribed = [img["src"] for img in images if len(img["alt"].split()) < 8 or img["alt"] == NO_ALT]
            assert not undescribed, f"{name}: figures without a description (alt text): {undescribed}"
        if page.locator(".math").count():
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0")
        assert not log.problems, f"{name}: {log.problems}"


def test_the_home_page_lists_every_lesson_and_next_links_walk_through_them_in_order(site_url: str, page):
    page, log = page
    titles = [build_book.lesson_title(nbformat.read(nb, as_version=4), nb.stem) for nb in NOTEBOOKS]
    page.goto(f"{site_url}/index.html", wait_until="networkidle")
    table = page.locator("table a")
    assert table.all_inner_texts() == [text for title in titles for text in (title, "slides")]
    table.filter(has_text=titles[0]).click()
    for i, title in enumerate(titles):
        page.wait_for_load_state("networkidle")  # leaving earlier would abort this page's requests
        assert page.locator("h1").first.inner_text().strip().rstrip("#").strip() == title
        assert page.url.endswith(f"lessons/{NOTEBOOKS[i].stem}.html")
        if i + 1 < len(titles):
            page.locator("a.right-next").click()
    page.get_by_role("link", name="Slides of this lesson").click()
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    assert page.url.endswith(f"slides/{NOTEBOOKS[-1].stem}.slides.html")
    assert not log.problems, log.problems


def test_search_finds_a_lesson_by_a_word_of_its_title(site_url: str, page):
    page, log = page
    lesson = NOTEBOOKS[-1]
    title = build_book.lesson_title(nbformat.read(lesson, as_version=4), lesson.stem)
    word = max(re.findall(r"[A-Za-z]+", title), key=len).lower()
    page.goto(f"{site_url}/index.html", wait_until="networkidle")  # the search must not abort its requests
    page.keyboard.press("Control+k")
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"search\.html\?q={word}"))
    hits = page.locator("#search-results ul.search li a")
    hits.first.wait_for()
    hrefs = [hits.nth(i).get_attribute("href") for i in range(hits.count())]
    assert any(f"lessons/{lesson.stem}.html" in href for href in hrefs), (word, hrefs)
    assert not log.problems, log.problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_site_shows_reference_solutions_without_nbgraders_markers(path: Path):
    reading = nbformat.read(path, as_version=4)
    ids = {c.id for c in reading.cells if build_book.is_solution(c)}
    solutions = [c for c in build_book.for_site(reading, "slides.html").cells if c.get("id") in ids]
    assert solutions and all("SOLUTION" not in c.source and c.source.strip() for c in solutions), path.name
    assert any("### BEGIN SOLUTION" in c.source for c in reading.cells)  # the reading edition keeps them for nbgrader


def test_reference_solutions_start_collapsed(site: Path, site_url: str, page):
    page, _ = page
    for nb in NOTEBOOKS:
        cells = nbformat.read(nb, as_version=4).cells
        solutions = sum(build_book.is_solution(cell) for cell in cells)
        drawing = sum("hide-input" in cell.metadata.get("tags", []) for cell in cells)  # code under a figure
        page.goto(f"{site_url}/lessons/{nb.stem}.html")
        collapsed = page.locator("details.hide.above-input")
        assert collapsed.count() == solutions + drawing, nb.name
        assert not any(collapsed.nth(i).get_attribute("open") is not None for i in range(collapsed.count()))


def test_a_slide_deck_advances(site_url: str, page):
    page, log = page
    page.goto(f"{site_url}/slides/{NOTEBOOKS[0].stem}.slides.html")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    assert page.evaluate("() => Reveal.getTotalSlides()") > 2
    assert page.evaluate("() => Reveal.getIndices().h") == 0
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => Reveal.getIndices().h === 1")
    assert not log.problems, log.problems


def test_a_widget_shows_as_a_picture_with_a_note(site_url: str, page):
    page, _ = page
    with_widget = next(nb for nb in NOTEBOOKS if build_book.LIVE_NOTE in str(build_book.prepare_lesson(nb)))
    page.goto(f"{site_url}/lessons/{with_widget.stem}.html")
    note = page.get_by_text("A static picture of this widget").first
    note.scroll_into_view_if_needed()
    assert note.is_visible()
    picture = page.locator("div.cell_output", has=note).locator("img").first
    assert picture.evaluate("img => img.naturalWidth") > 0


def test_the_build_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(build_book.BuildError, match="is not an earlier build of the site"):
        build_book.build(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_missing_vendor_package_names_the_fix(tmp_path):
    with pytest.raises(build_book.BuildError, match="npm ci"):
        build_book.vendor(tmp_path / "vendor", node_modules=tmp_path / "node_modules")


def test_the_site_names_no_make_target_even_in_code_spans():
    """What the site adds under a widget's picture is read by learners: no make targets (they need the README)."""
    from tests.test_notebooks_hygiene import PLUMBING_WORDS

    with_widget = next(nb for nb in NOTEBOOKS if build_book.LIVE_NOTE in str(build_book.prepare_lesson(nb)))
    added = [out.data["text/markdown"] for cell in build_book.prepare_lesson(with_widget).cells
             for out in cell.get("outputs", []) if "text/markdown" in out.get("data", {})]
    assert added and not [text for text in added if PLUMBING_WORDS["make target"].search(text)], added[:1]
