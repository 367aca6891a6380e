"""Where results go: a path checked before any work starts, and a directory written aside and swapped in whole.

A scan writes into a fresh hidden sibling of ``--out`` and only then puts it in place, so the results directory
always holds one run's tables: never a table an earlier run left behind (which a report would mix with this
run's), and never half a run after a crash.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from marketguard.errors import OutputError

#: The file that marks a directory as a marketguard results directory (safe to replace whole).
MANIFEST = "manifest.json"
#: Hidden siblings a run writes into, or moves the previous results to while swapping.
_STAGING, _PREVIOUS = ".{name}.writing-", ".{name}.previous-"


def check_output_file(path: Path, what: str = "output") -> Path:
    """Fail now, not after the work, when ``path`` cannot be written as a file."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"the {what} {path} is a directory; give a file name")
    _check_parent(path, what)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"the {what} {path} exists and is not writable")
    return path


def check_results_dir(out: Path, marker: str = MANIFEST) -> Path:
    """Fail now, not after the work, when ``out`` cannot become a results directory.

    ``out`` may be missing, empty, or an earlier results directory (one holding ``marker``: the scan's manifest,
    a replay's summary; it is replaced whole); anything else is refused, so that a mistyped ``--out`` never
    deletes a user's files.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file; give a directory for the results")
    _check_parent(out, "results directory")
    if out.is_dir():
        if any(out.iterdir()) and not (out / marker).is_file():
            raise OutputError(
                f"--out {out} is a directory that holds other files and no {marker}: it is not a marketguard "
                "results directory, and a run replaces its results directory whole. Give a new or empty directory"
            )
        if not os.access(out, os.W_OK | os.X_OK):
            raise OutputError(f"--out {out} is not writable")
    return out


def _check_parent(path: Path, what: str) -> None:
    """The nearest existing ancestor must be a writable directory (not a file)."""
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"the {what} {path} is under {parent}, which is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"the {what} {path} cannot be created: {parent} is not writable")


class ResultsDir:
    """A results directory written aside and swapped in whole.

    ``staging`` is where the run writes; :meth:`commit` puts it in place of ``out`` (an earlier results
    directory is removed after the swap); leaving the context without a commit removes the staging directory
    and leaves ``out`` as it was. ``marker``: the file an earlier results directory of this kind holds.
    """

    def __init__(self, out: Path, marker: str = MANIFEST) -> None:
        self.out = check_results_dir(Path(out), marker)
        self.staging: Path | None = None

    def __enter__(self) -> ResultsDir:
        parent = self.out.absolute().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(prefix=_STAGING.format(name=self.out.name), dir=parent))
        except OSError as exc:
            raise OutputError(f"cannot write results beside {self.out}: {exc.strerror or exc}") from exc
        return self

    @property
    def path(self) -> Path:
        assert self.staging is not None, "use ResultsDir as a context manager"
        return self.staging

    def commit(self) -> Path:
        """Swap the staging directory in: two renames on one file system, then the old results go."""
        staging, out = self.path, self.out
        staging.chmod(0o755)  # mkdtemp makes it private; results are for the team
        previous = None
        if out.exists():
            previous = Path(tempfile.mkdtemp(prefix=_PREVIOUS.format(name=out.name), dir=staging.parent))
            previous.rmdir()
            out.rename(previous)
        staging.rename(out)
        self.staging = None
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return out

    def __exit__(self, *exc: object) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
