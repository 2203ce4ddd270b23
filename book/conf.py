"""Sphinx configuration of the course site (built by tools/build_book.py into a temporary source folder).

Sphinx + MyST-NB + sphinx-book-theme: the stack Jupyter Book 1.x wraps, used directly so this file is the whole
configuration; nothing is loaded from a CDN (MathJax is vendored, the widget manager is off).
"""

project = "Residual networks, measured"
author = "the course authors"
copyright = "the course authors; MIT licence"

extensions = ["myst_nb"]
exclude_patterns = ["_generated/*", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath"]

# the committed outputs are the content: never re-execute
nb_execution_mode = "off"
nb_merge_streams = True
# widgets are shown as static pictures (tools/build_book.py), so no widget manager from a CDN
nb_ipywidgets_js = {}

# MathJax 3 from npm, copied under _static/vendor by tools/build_book.py
mathjax_path = "vendor/mathjax/es5/tex-chtml.js"
mathjax3_config = {"options": {"enableMenu": False}}

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
}
# light pages suit the matplotlib figures (white backgrounds); it also keeps the theme from logging a console error
html_context = {"default_mode": "light"}
