"""Sphinx configuration of the course website (built by ``python -m helpers site``).

``helpers/author/site.py`` writes the pages into a staging folder (``_build/site-src``) and
runs Sphinx with this folder as the configuration directory (``-c``). Notebooks are executed
by myst-nb through jupyter-cache (``nb_execution_mode = "cache"``): a notebook whose code has
not changed since the last build is not run again. Nothing is fetched from the network, at
build time or when a page is read (no CDN scripts), so the site works offline in a classroom.
"""

from pathlib import Path

project = "Transfer learning with TensorFlow and Keras"
author = "the course's authors"
copyright = "content CC BY 4.0, code MIT"

extensions = ["myst_nb", "course_site"]  # course_site: the stand-in banner, see _ext/course_site.py
import sys  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

exclude_patterns = ["_learner/**", "**.ipynb_checkpoints", "jupyter_execute/**"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Executed outputs, cached. site.py passes the cache folder (-D nb_execution_cache_path=...).
nb_execution_mode = "cache"
nb_execution_timeout = 1800
nb_execution_raise_on_error = True  # a notebook that fails must fail the build, not publish a traceback
nb_execution_show_tb = True
nb_merge_streams = True
nb_output_stderr = "show"  # stderr stays visible: tests/notebooks/test_quiet.py keeps the notebooks free of it
nb_ipywidgets_js = {}  # no CDN scripts: the site must work offline

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = [str(Path(__file__).parent / "_static")]
# _templates/search-button-field.html: the theme's search field, named by the text it shows (axe-core's
# label-content-name-mismatch); tests/browser/test_site.py runs axe-core on every page.
templates_path = [str(Path(__file__).parent / "_templates")]
html_css_files = ["course.css"]
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
html_context = {"default_mode": "light"}  # a projector's mode; unset, the theme logs a console error
html_show_sourcelink = False
html_last_updated_fmt = None
