"""Package members imported on first use (PEP 562): a package that names its modules' classes and functions stays
light to import, so a command that needs one module does not load every library its siblings use."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_members"]


def lazy_members(
    package: str,
    namespace: dict[str, Any],
    members: Mapping[str, str],
    made: Mapping[str, Callable[[], Any]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` for ``package``: ``members`` maps a public name to the module
    defining it, ``made`` builds a name from others (a registry of them). Each name is imported once and kept in
    ``namespace``; ``dir()`` lists the names not imported yet too."""

    def __getattr__(name: str) -> Any:
        if made and name in made:
            value = made[name]()
        elif name in members:
            value = getattr(importlib.import_module(members[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ())})

    return __getattr__, __dir__
