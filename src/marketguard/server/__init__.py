"""The investigator workbench's server: the ``/v1`` HTTP API over the case store and the scans it registered.

``create_app(db_url, results)`` builds the FastAPI application; ``marketguard serve`` runs it on uvicorn.
"""

from marketguard.server.app import create_app

__all__ = ["create_app"]
