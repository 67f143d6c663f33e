"""Load every page of the built book in a real browser and check what a reader sees.

The site in _build/html (built once per run by the `build` fixture of conftest.py) is served
on localhost and opened in headless Chromium, Debian's package, driven by Playwright, in a
1280 x 900 window (a common laptop). From each page's live DOM: the math was typeset by
MathJax (no raw TeX, no TeX errors), no display equation or table is wider than the
column, every image loaded, no executed cell shows an error, no code line hides behind a
scroll bar, the browser asked no other site for anything and logged no script error, the
Colab and download buttons point at that notebook, and the animation buttons got their
icons. Search (with its snippets' math typeset), dark mode and the landing page are
checked on the live site too.

A full-page screenshot of every page is saved to _build/screenshots/ (dark-mode shots with a
"dark-" prefix) for a person to look at.
"""

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
MARKDOWN_PAGES = ["intro.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.md"))]
PAGES = MARKDOWN_PAGES + [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def find_chromium():
    """The browser: $CNNBOOK_CHROMIUM, else Debian's chromium on the PATH."""
    if os.environ.get("CNNBOOK_CHROMIUM"):
        return os.environ["CNNBOOK_CHROMIUM"]
    for name in CHROMIUM_NAMES:
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("no Chromium found for the browser test: install Debian's package "
                "(sudo apt-get install chromium) or set CNNBOOK_CHROMIUM to a Chrome binary")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(build):
    """The base URL of _build/html served on a free localhost port."""
    assert build.returncode == 0, "the book did not build; see test_book.py"
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page opened in a fresh browser context: what it asked for and what went wrong."""

    def __init__(self, browser, site, path, color_scheme="light"):
        self.site = site
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.outside, self.failed, self.errors = [], [], []
        self.context.route("**/*", self._route)
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.goto(site + path)
        self.page.wait_for_load_state("networkidle")
        # MathJax typesets asynchronously after the load event: wait for it to finish.
        self.page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                           " ? MathJax.startup.promise.then(() => true) : true")

    def _route(self, route):
        if route.request.url.startswith(self.site) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)

    def close(self):
        self.context.close()


def html_path(source: str) -> str:
    return source.rsplit(".", 1)[0] + ".html"


def screenshot_name(source: str) -> str:
    return html_path(source).replace("/", "__").replace(".html", ".png")


# What the reader sees, from the live DOM. Code blocks may show TeX on purpose; prose may not.
PAGE_REPORT = """() => {
  const article = document.querySelector('article') || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, mjx-container, .cell_input')
       .forEach(e => e.remove());
  const text = prose.textContent;
  const rawTex = text.match(/\\\\\\(|\\\\\\[|\\$\\$|\\\\begin\\{|\\\\frac\\{|\\\\mathbf\\{/g) || [];
  return {
    typeset: document.querySelectorAll('mjx-container').length,
    untypeset: [...document.querySelectorAll('.math')]
                 .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    texErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
    rawTex: rawTex.slice(0, 5),
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
                    .map(i => i.getAttribute('src')),
    errorOutputs: [...document.querySelectorAll('.output.traceback, .output.error, .output.stderr')]
                    .map(e => e.textContent.slice(0, 200)),
    traceback: article.innerText.includes('Traceback (most recent call last)'),
    colab: [...document.querySelectorAll('a.dropdown-item[href*="colab.research.google.com"]')].map(a => a.href),
    download: [...document.querySelectorAll('a.btn-download-source-button')]
                .map(a => a.getAttribute('href')),
    wideEquations: [...document.querySelectorAll('mjx-container[display="true"]')]
                     .filter(m => m.firstElementChild.getBoundingClientRect().width
                                  > m.parentElement.clientWidth + 1)
                     .map(m => m.textContent.slice(0, 60)),
    wideTables: [...article.querySelectorAll('table')]
                  .filter(t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1)
                  .map(t => t.textContent.trim().slice(0, 60)),
    cutCode: [...article.querySelectorAll('pre')].filter(p => !p.closest('.cell_output'))
               .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 60)),
    animationButtons: document.querySelectorAll('.anim-buttons button').length,
    animationIcons: document.querySelectorAll('.anim-buttons button svg').length,
    title: document.title,
  };
}"""


@pytest.mark.slow
@pytest.mark.parametrize("source", PAGES)
def test_page_as_a_reader_sees_it(browser, site, source):
    visit = Visit(browser, site, html_path(source))
    try:
        visit.screenshot(screenshot_name(source))  # full page: also makes lazy images load
        visit.page.wait_for_load_state("networkidle")
        report = visit.page.evaluate(PAGE_REPORT)
    finally:
        visit.close()
    name = html_path(source)
    assert visit.outside == [], f"{name} asked other sites for {visit.outside}"
    assert visit.failed == [], f"{name}: requests failed: {visit.failed}"
    assert visit.errors == [], f"{name}: script errors: {visit.errors}"
    assert report["untypeset"] == [], f"{name}: math left as raw TeX: {report['untypeset']}"
    assert report["texErrors"] == [], f"{name}: MathJax could not typeset: {report['texErrors']}"
    assert report["rawTex"] == [], f"{name}: TeX delimiters in the prose: {report['rawTex']}"
    assert report["brokenImages"] == [], f"{name}: images that did not load: {report['brokenImages']}"
    assert report["errorOutputs"] == [] and not report["traceback"], (
        f"{name}: an executed cell shows an error: {report['errorOutputs']}")
    assert report["wideEquations"] == [], f"{name}: equations wider than the column: {report['wideEquations']}"
    assert report["wideTables"] == [], f"{name}: tables wider than the column: {report['wideTables']}"
    assert report["cutCode"] == [], f"{name}: code lines hidden behind a scroll bar: {report['cutCode']}"
    assert report["animationIcons"] == report["animationButtons"], (
        f"{name}: {report['animationButtons'] - report['animationIcons']} animation buttons without icon")
    if source.endswith(".ipynb"):
        repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
        branch = CONFIG["repository"].get("branch", "main")
        colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{source}"
        assert report["colab"] == [colab], f"{name}: Colab links {report['colab']}, expected [{colab}]"
        assert report["typeset"] > 0 and report["images"] > 0, f"{name}: no math or no figure"
    else:
        assert report["colab"] == [], f"{name}: a markdown page has no notebook to open in Colab"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_download_button_gives_the_notebook(browser, site, notebook):
    source = notebook.relative_to(ROOT).as_posix()
    visit = Visit(browser, site, html_path(source))
    try:
        (href,) = visit.page.evaluate(PAGE_REPORT)["download"]
        url = visit.page.evaluate("href => new URL(href, document.baseURI).href", href)
        response = visit.context.request.get(url)
        assert response.ok, f"{url}: HTTP {response.status}"
        downloaded = json.loads(response.body())
    finally:
        visit.close()
    original = json.loads(notebook.read_text())
    assert [c["source"] for c in downloaded["cells"]] == [c["source"] for c in original["cells"]]


def test_landing_page_shows_the_contents_and_where_to_start(browser, site):
    visit = Visit(browser, site, "index.html")  # redirects to the root page
    try:
        assert visit.page.url.endswith("intro.html")
        headings = visit.page.eval_on_selector_all("article h2", "hs => [...hs].map(h => h.textContent)")
        links = visit.page.eval_on_selector_all(
            "article a.reference.internal", "as => [...as].map(a => a.getAttribute('href'))")
        favicon = visit.page.eval_on_selector('link[rel="icon"]', "link => link.href")
        favicon_ok = visit.context.request.get(favicon).ok
        logo_width = visit.page.eval_on_selector("img.logo__image", "img => img.naturalWidth")
    finally:
        visit.close()
    assert favicon_ok and logo_width > 0, "the favicon or the logo did not load"
    assert any("covers" in h for h in headings) and any("start" in h for h in headings), headings
    linked = {href.split("#")[0] for href in links}
    chapters = {nb.parent.name for nb in NOTEBOOKS if nb.parent.parent.name == "chapters"}
    linked_chapters = {nb.parent.name for nb in NOTEBOOKS
                       if nb.relative_to(ROOT).with_suffix(".html").as_posix() in linked}
    assert chapters <= linked_chapters, f"chapters the landing page does not link: {chapters - linked_chapters}"
    assert "chapters/how_to_use.html" in linked, "the landing page does not say how to start"


def test_search_finds_pages_and_typesets_their_math(browser, site):
    visit = Visit(browser, site, "search.html?q=convolution")
    try:
        visit.page.wait_for_selector("#search-results li a", timeout=30_000)
        visit.page.wait_for_selector("#search-results[data-math-typeset]", timeout=30_000)
        results = visit.page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
        snippets = visit.page.inner_text("#search-results")
        typeset = visit.page.eval_on_selector_all("#search-results mjx-container", "ms => ms.length")
        visit.screenshot("search.png")
    finally:
        visit.close()
    assert len(results) >= 5, results
    assert any("03_convolution" in url for url in results), results
    # Snippets are cut from the text, so a formula may be cut in half; whole ones are typeset.
    assert typeset > 0 and not re.search(r"\\\(.*?\\\)", snippets), snippets[:2000]
    assert visit.errors == [] and visit.outside == []


LUMINANCE = """sel => {
  const rgb = getComputedStyle(document.querySelector(sel)).backgroundColor.match(/\\d+/g).map(Number);
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
}"""


def test_dark_mode_follows_the_reader_and_the_switch(browser, site):
    page_path = html_path(NOTEBOOKS[0].relative_to(ROOT).as_posix())
    dark = Visit(browser, site, page_path, color_scheme="dark")
    try:
        assert dark.page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert dark.page.evaluate(LUMINANCE, "body") < 0.25, "dark mode: the page background is not dark"
        dark.screenshot("dark-" + screenshot_name(NOTEBOOKS[0].relative_to(ROOT).as_posix()))
        # The switch in the header cycles auto -> light -> dark ...: it reaches light.
        for _ in range(3):
            if dark.page.evaluate("document.documentElement.dataset.theme") == "light":
                break
            dark.page.click("button.theme-switch-button >> visible=true")
        assert dark.page.evaluate("document.documentElement.dataset.theme") == "light"
        assert dark.page.evaluate(LUMINANCE, "body") > 0.75, "light mode: the page background is not light"
    finally:
        dark.close()
    assert dark.errors == [] and dark.outside == []


def test_the_browser_test_sees_broken_pages(browser, site, tmp_path):
    """The checks above can fail: a page with raw TeX, a missing image and a CDN script."""
    bad = HTML / "_browser_selftest.html"
    bad.write_text('<html><body><article><p>Raw $$x^2$$ and \\(y\\)</p>'
                   '<div class="cell_input"><pre style="width: 200px; overflow: auto">'
                   + "x = 1  # a long line " * 10 + '</pre></div>'
                   '<img src="missing.png"><script src="https://cdn.example.org/x.js"></script>'
                   '<div class="output traceback">Traceback (most recent call last)</div>'
                   '</article></body></html>')
    try:
        visit = Visit(browser, site, bad.name)
        report = visit.page.evaluate(PAGE_REPORT)
        visit.close()
    finally:
        bad.unlink()
    assert report["rawTex"] and report["brokenImages"] == ["missing.png"]
    assert report["errorOutputs"] and report["traceback"] and report["cutCode"]
    assert visit.outside == ["https://cdn.example.org/x.js"]
    assert any("missing.png" in f for f in visit.failed)
