"""Build the book exactly as `make book` does and check the HTML it produces.

The build (the `build` fixture of conftest.py) executes every notebook (execute_notebooks:
force) and treats Sphinx warnings as errors. test_browser.py loads the pages in Chromium
(typeset math, loaded images, search, dark mode); here we check the static files: every
page exists, executed notebook pages carry figures and no tracebacks, MathJax is served
from the site, each notebook page links to Colab, and every link resolves.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CDN_PATTERN = re.compile(r"(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com)[^\"']*mathjax", re.I)


def page_for(notebook: Path) -> Path:
    return HTML / notebook.relative_to(ROOT).with_suffix(".html")


def test_book_builds_without_warnings(build):
    assert build.returncode == 0, f"jupyter-book build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    assert (HTML / "index.html").is_file()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_page_is_executed_with_figures_and_no_traceback(build, notebook):
    page = page_for(notebook)
    assert page.is_file(), f"{page} was not built"
    html = page.read_text()
    assert re.search(r'<img[^>]+src="[^"]+\.(png|svg)"', html), f"{page.name}: no figure in the executed page"
    assert "Traceback (most recent call last)" not in html, f"{page.name}: an execution error is shown"
    assert 'class="math' in html, f"{page.name}: no math on the page"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_page_links_to_its_notebook_in_colab(build, notebook):
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    branch = CONFIG["repository"].get("branch", "main")
    target = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook.relative_to(ROOT).as_posix()}"
    assert target in page_for(notebook).read_text(), f"no Colab link to {target}"


def test_mathjax_is_served_with_the_site(build):
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()
    pages = list(HTML.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text()
        assert not CDN_PATTERN.search(html), f"{page.relative_to(HTML)} loads MathJax from a CDN"
    notebook_page = page_for(NOTEBOOKS[0]).read_text()
    assert "_static/mathjax/tex-chtml.js" in notebook_page


def test_no_page_loads_a_script_or_stylesheet_from_another_site(build):
    """Offline readers and the test machine have no CDN: every script and stylesheet is local
    (matplotlib's animation player links one from a CDN; _ext/offline_site.py drops it)."""
    pages = list(HTML.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text()
        sources = re.findall(r'<script[^>]+src="([^"]+)"', html)
        sources += re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
        remote = [s for s in sources if re.match(r"(https?:)?//", s)]
        assert not remote, f"{page.relative_to(HTML)} loads {remote}"


def test_animations_are_javascript_players(build):
    """A page with an animation embeds matplotlib's JS player (plays without a kernel)."""
    pages = [p for p in HTML.rglob("*.html") if not p.relative_to(HTML).parts[0].startswith("_")]
    players = [p for p in pages if "new Animation(" in p.read_text()]
    assert players, "no page embeds a JavaScript animation"


@pytest.mark.parametrize("notebook", [n for n in NOTEBOOKS if "# BEGIN SOLUTION" in n.read_text()],
                         ids=lambda p: p.name)
def test_exercise_solutions_are_collapsed_behind_a_button(build, notebook):
    """With cnnbook_solutions: true, each solution is on the page inside a closed <details>."""
    import json

    from cnnbook.exercises.student import find_exercises

    html = page_for(notebook).read_text()
    n_exercises = len(find_exercises(json.loads(notebook.read_text())))
    # a closed <details> (no "open" attribute) whose button reads "Show the solution"
    collapsed = re.findall(r'<div class="cell tag_hide-input[^"]*">\s*<details class="[^"]*hide'
                           r'[^"]*">\s*<summary[^>]*>\s*<p class="collapsed[^"]*">'
                           r"Show the solution</p>", html)
    assert len(collapsed) == n_exercises, (
        f"{notebook.name}: {len(collapsed)} collapsed solutions for {n_exercises} exercises")


# --------------------------------------------------------------------------- links


class _Links(HTMLParser):
    """The ids of a page and the URLs it links to (href and src attributes)."""

    def __init__(self):
        super().__init__()
        self.ids, self.urls = set(), []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name):
                self.urls.append(attributes[name])


def site_pages(html: Path):
    """Every HTML page of the site (not the theme's files), parsed."""
    pages = {}
    for path in sorted(html.rglob("*.html")):
        if not path.relative_to(html).parts[0].startswith("_"):
            parser = _Links()
            parser.feed(path.read_text(encoding="utf-8", errors="replace"))
            pages[path.resolve()] = parser
    return pages


def broken_internal_links(html: Path):
    """(page, url) for each link to a missing file or to a missing #anchor."""
    pages, broken = site_pages(html), []
    for page, links in pages.items():
        for url in links.urls:
            if re.match(r"^[a-zA-Z][a-zA-Z+.-]*:", url) or url.startswith("//"):
                continue  # external (http, mailto, data, javascript)
            path, _, anchor = url.partition("#")
            path = path.split("?")[0]
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append((page.relative_to(html.resolve()).as_posix(), url))
            elif anchor and target in pages and anchor not in pages[target].ids:
                broken.append((page.relative_to(html.resolve()).as_posix(), url))
    return broken


def external_links(html: Path):
    """Every http(s) link of the site, without its #anchor."""
    return sorted({url.split("#")[0] for links in site_pages(html).values()
                   for url in links.urls if url.startswith(("http://", "https://", "//"))})


def listed_external_links():
    lines = (ROOT / "tests" / "external_links.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_no_broken_internal_links_or_anchors(build):
    assert broken_internal_links(HTML) == []


def test_external_links_are_the_listed_ones(build):
    listed = listed_external_links()
    found = external_links(HTML)
    unlisted = [url for url in found if not any(url.startswith(prefix) for prefix in listed)]
    assert unlisted == [], "add these to tests/external_links.txt, or remove them"
    unused = [prefix for prefix in listed if not any(url.startswith(prefix) for url in found)]
    assert unused == [], "no page links there any more: remove them from the list"
