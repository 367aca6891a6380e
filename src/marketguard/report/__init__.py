"""Case reports and exports, read from a scan's results directory only (never the raw inputs).

Public API::

    from marketguard.report import build_case, render_html, render_json, write_graphml

``build_case`` gathers one network's case as JSON-able data; HTML, JSON and GraphML are all rendered from it, so
they always agree.
"""

from __future__ import annotations

from marketguard.report.case import build_case, render_json
from marketguard.report.graphml import render_graphml, write_graphml
from marketguard.report.html import render_html
from marketguard.report.results_dir import ResultsDirError, UnknownNetworkError

__all__ = [
    "ResultsDirError",
    "UnknownNetworkError",
    "build_case",
    "render_graphml",
    "render_html",
    "render_json",
    "write_graphml",
]
