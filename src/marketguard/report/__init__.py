"""Case reports and exports, read from a scan's results directory only (never the raw inputs).

Public API::

    from marketguard.report import build_case, render_html, render_json, write_graphml

``build_case`` gathers one network's case as JSON-able data; HTML, JSON and GraphML are all rendered from it, so
they always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketguard.lazy import lazy_members

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from typing import Any

    from marketguard.report.case import build_case, render_json
    from marketguard.report.ftm import render_ftm
    from marketguard.report.graphml import render_graphml, write_graphml
    from marketguard.report.html import render_html
    from marketguard.report.results_dir import ResultsDirError, UnknownNetworkError

    #: Every way a case is written, by format name: the command line's and the API's exports read this one table.
    RENDERERS: dict[str, Callable[[dict[str, Any]], str]]

#: Imported on first use, so that reading a results directory (``report.results_dir``, the triage lists) does not
#: load the case builder and, through the results catalogue, every detector.
_LAZY = {
    "build_case": "marketguard.report.case",
    "render_json": "marketguard.report.case",
    "render_ftm": "marketguard.report.ftm",
    "render_graphml": "marketguard.report.graphml",
    "write_graphml": "marketguard.report.graphml",
    "render_html": "marketguard.report.html",
    "ResultsDirError": "marketguard.report.results_dir",
    "UnknownNetworkError": "marketguard.report.results_dir",
}
#: The renderer of each format: (format, public name).
_RENDERERS = (
    ("html", "render_html"),
    ("json", "render_json"),
    ("graphml", "render_graphml"),
    ("ftm", "render_ftm"),
)

__all__ = [
    "RENDERERS",
    "ResultsDirError",
    "UnknownNetworkError",
    "build_case",
    "render_ftm",
    "render_graphml",
    "render_html",
    "render_json",
    "write_graphml",
]


__getattr__: Callable[[str], Any]  # typed ahead: the registry's builder calls it
__dir__: Callable[[], list[str]]
__getattr__, __dir__ = lazy_members(
    __name__, globals(), _LAZY, {"RENDERERS": lambda: {fmt: __getattr__(fn) for fmt, fn in _RENDERERS}}
)
