"""Licences (issue 14): marketguard is Apache-2.0, so nothing it needs at run time may be GPL-family.

The run-time requirement tree of the installed ``marketguard`` distribution is walked (requirements that only an
extra asks for are left out) and each distribution's declared licence is read from its metadata: the
``License-Expression`` field, the ``License`` field and the ``License ::`` classifiers.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

#: Distributions that declare a GPL-family licence *and* a permissive one the user may choose instead (dual
#: licensing), by canonical name. Empty today; every entry needs a comment naming the permissive option.
DUAL_LICENSED: frozenset[str] = frozenset()

_COPYLEFT = re.compile(r"\b[AL]?GPL|\bGNU (?:Affero |Lesser |Library )?General Public", re.IGNORECASE)
#: GCC's runtime library exception lets any program link the runtime (libgfortran, libgomp) under any licence:
#: an SPDX term ``GPL-3.0-or-later WITH GCC-exception-3.1`` is not copyleft for a program using it.
_RUNTIME_EXCEPTION = re.compile(r"[\w.+-]*GPL[\w.+-]*\s+WITH\s+GCC-exception-[\d.]+", re.IGNORECASE)


def copyleft_licences(meta: Message) -> list[str]:
    """The GPL-family licences (GPL, LGPL, AGPL) that a distribution's metadata declares; empty when none.

    Only the first line of the ``License`` field is read: some distributions put a whole licence text there
    (scipy's lists the licences of the libraries its wheels bundle, GCC's runtime among them), while a
    GPL-licensed one names its licence, or starts the text with its title, on that line.
    """
    licence = (meta.get("License") or "").strip()
    declared = [meta.get("License-Expression") or "", licence.splitlines()[0] if licence else ""]
    declared += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return [text for text in declared if _COPYLEFT.search(_RUNTIME_EXCEPTION.sub("", text))]


def runtime_distributions(
    name: str, distribution: Callable[[str], metadata.Distribution] = metadata.distribution
) -> dict[str, metadata.Distribution]:
    """``name`` and every distribution it needs at run time, transitively, by canonical name.

    A requirement behind a marker is followed when the marker holds here with no extra asked for, so
    ``extra == "dev"`` requirements are skipped and ``python_version`` ones judged for this interpreter.
    """
    found: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        key = canonicalize_name(todo.pop())
        if key in found:
            continue
        found[key] = distribution(key)
        for line in found[key].requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def licence_problems(distributions: dict[str, metadata.Distribution]) -> list[str]:
    """One line per GPL-family distribution outside :data:`DUAL_LICENSED`: its name, version and licence."""
    problems = []
    for key, dist in sorted(distributions.items()):
        copyleft = copyleft_licences(dist.metadata)  # type: ignore[arg-type]
        if copyleft and key not in DUAL_LICENSED:
            problems.append(f"{dist.metadata['Name']} {dist.version}: {'; '.join(copyleft)}")
    return problems


def _meta(**fields: str | list[str]) -> Message:
    meta = Message()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            meta[key.replace("_", "-")] = item
    return meta


# igraph 1.0.0 and leidenalg 0.12.0, the GPL libraries issue 14 removed, as their wheels declare it.
IGRAPH = _meta(Name="igraph", License="GNU General Public License (GPL)")
LEIDENALG = _meta(Name="leidenalg", License_Expression="GPL-3.0-or-later")


@pytest.mark.parametrize(
    "meta",
    [
        IGRAPH,
        LEIDENALG,
        _meta(Classifier=["License :: OSI Approved :: GNU General Public License v2 (GPLv2)"]),
        _meta(Classifier=["License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)"]),
        _meta(Classifier=["License :: OSI Approved :: GNU Affero General Public License v3"]),
        _meta(License_Expression="MIT AND LGPL-2.1-only"),
        _meta(License_Expression="AGPL-3.0-only"),
        _meta(License="GNU LESSER GENERAL PUBLIC LICENSE\n  Version 3, 29 June 2007\n..."),
        _meta(License="GPLv3+"),
    ],
)
def test_gpl_family_licences_are_recognised(meta: Message) -> None:
    assert copyleft_licences(meta)


@pytest.mark.parametrize(
    "meta",
    [
        _meta(License_Expression="Apache-2.0"),
        _meta(License_Expression="BSD-2-Clause AND Apache-2.0 WITH LLVM-exception"),
        _meta(License_Expression="BSD-3-Clause AND GPL-3.0-or-later WITH GCC-exception-3.1"),
        _meta(License="MIT", Classifier=["License :: OSI Approved :: MIT License"]),
        _meta(License="Copyright (c) SciPy Developers.\n...\nName: libquadmath\nLicense: LGPL-2.1-or-later"),
        _meta(Classifier=["License :: OSI Approved :: BSD License", "Programming Language :: Python"]),
        _meta(Name="no-licence-metadata"),
    ],
)
def test_permissive_licences_are_not_flagged(meta: Message) -> None:
    assert copyleft_licences(meta) == []


@dataclass
class _FakeDistribution:
    name: str
    meta: Message
    requires: list[str] | None = field(default_factory=list)
    version: str = "1.0"

    @property
    def metadata(self) -> Message:
        return self.meta


def test_a_gpl_dependency_fails_by_name_even_when_transitive() -> None:
    """The check that guards marketguard, run on a made-up tree where igraph comes back through another
    package, while a GPL package wanted only by an extra is left out."""
    fakes = {
        "marketguard": _FakeDistribution(
            "marketguard",
            _meta(Name="marketguard", License_Expression="Apache-2.0"),
            ["some-graph-lib>=1", 'gpl-dev-tool; extra == "dev"'],
        ),
        "some-graph-lib": _FakeDistribution("some-graph-lib", _meta(Name="some-graph-lib"), ["igraph>=0.11"]),
        "igraph": _FakeDistribution("igraph", IGRAPH, ["texttable>=1.6"]),
        "texttable": _FakeDistribution("texttable", _meta(Name="texttable", License="MIT")),
    }
    tree = runtime_distributions("marketguard", fakes.__getitem__)  # type: ignore[arg-type]
    assert sorted(tree) == ["igraph", "marketguard", "some-graph-lib", "texttable"]
    assert licence_problems(tree) == ["igraph 1.0: GNU General Public License (GPL)"]


def test_installed_igraph_is_recognised_as_gpl() -> None:
    """The classifier on igraph's own installed metadata, where igraph is installed (a dev environment from
    before issue 14, say)."""
    try:
        dist = metadata.distribution("igraph")
    except metadata.PackageNotFoundError:
        pytest.skip("igraph is not installed")
    assert licence_problems({"igraph": dist}), "igraph's metadata was not recognised as GPL"


def test_no_runtime_dependency_is_gpl_family() -> None:
    tree = runtime_distributions("marketguard")
    assert {"numpy", "duckdb", "graspologic-native"} <= tree.keys()
    assert not {"igraph", "leidenalg"} & tree.keys()
    problems = licence_problems(tree)
    assert not problems, "GPL-family run-time dependencies of an Apache-2.0 package:\n" + "\n".join(problems)


def test_the_apache_licence_text_is_at_the_root() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert (ROOT / "THIRD_PARTY_NOTICES.md").is_file()
