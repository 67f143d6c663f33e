"""Sphinx hooks of the rendered book: pages that ask no other site for anything and log
no script error.

- matplotlib's JavaScript animation player (``Animation.to_jshtml``) links the Font Awesome 4
  stylesheet from maxcdn for its button icons. The theme already serves Font Awesome 6 with
  the site, and its script draws the same icons (fa-play, fa-pause, fa-step-forward, ...),
  so pages drop the link. (In Jupyter and Colab the notebook output keeps it; it works there.)
- sphinx-thebe (live code cells, which Jupyter Book always loads) adds its configuration
  script twice, so every page logged "Identifier 'THEBE_JS_URL' has already been declared";
  and that script names thebe's CDN. The book has no live-code button, so pages drop
  sphinx-thebe's script and stylesheet.
- Search results quote the pages' text with raw TeX (MathJax never ran on it): the search
  page loads MathJax and static/search-math.js (beside this file, not in _static/, whose
  scripts Jupyter Book puts on every page), which typesets the snippets.
- Jupyter Book leaves the theme's ``default_mode`` (an ``html_context`` value) empty, so a first visit logged "Got invalid
  theme mode". It is set to "auto": light or dark follows the reader's system until they
  press the switch.
"""

import re
from pathlib import Path

STATIC = Path(__file__).parent / "static"

FONT_AWESOME_CDN = re.compile(
    r'<link\s+rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*">\s*')


def _is_thebe(asset) -> bool:
    """True for sphinx-thebe's files and inline configuration script."""
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def clean_page(app, pagename, templatename, context, doctree):
    """Remove the Font Awesome CDN link from the body and sphinx-thebe's assets."""
    if "body" in context:
        context["body"] = FONT_AWESOME_CDN.sub("", context["body"])
    for key in ("script_files", "css_files"):
        if key in context:
            context[key][:] = [a for a in context[key] if not _is_thebe(a)]  # the same list


def typeset_search_snippets(app, pagename, templatename, context, doctree):
    """On search.html only: the snippet typesetter, then MathJax (which reads its config)."""
    if pagename == "search":
        app.add_js_file("search-math.js", priority=400)
        app.add_js_file(app.config.mathjax_path, priority=500, defer="defer")


def configure(app, config):
    """Serve static/ with the site; the theme reads its default mode from the template
    context (pydata-sphinx-theme >= 0.16)."""
    config.html_static_path.append(str(STATIC))
    config.html_context.setdefault("default_mode", "auto")


def setup(app):
    app.connect("config-inited", configure)
    app.connect("html-page-context", clean_page)
    app.connect("html-page-context", typeset_search_snippets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
