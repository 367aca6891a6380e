"""The public API's names are the functions the README calls, however the subpackages were imported before."""

from __future__ import annotations

import subprocess
import sys


def test_public_names_are_functions_after_their_subpackages_were_imported() -> None:
    code = (
        "import marketguard.simulate.acquisitions, marketguard.evaluate.truth\n"
        "from marketguard import simulate, write_marketplace, scan, evaluate, validate_dataset\n"
        "import marketguard\n"
        "from marketguard.simulate import simulate as defined\n"
        "assert all(callable(f) and not isinstance(f, type(marketguard)) "
        "for f in (simulate, evaluate, marketguard.simulate, marketguard.evaluate)), (simulate, evaluate)\n"
        "assert simulate is defined and marketguard.simulate is defined\n"
        "assert 'pyspark' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_triage_commands_do_not_load_the_detectors_libraries() -> None:
    # `marketguard networks` reads a results directory: scikit-learn and scipy.stats were 2 s of its start (numba
    # still comes with the review rings' schema, 0.4 s)
    code = (
        "import sys, marketguard.cli.triage\n"
        "loaded = sorted(m for m in ('sklearn', 'scipy.stats', 'pypinyin', 'lightgbm') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
        "import marketguard.detect as detect, marketguard.report as report\n"
        "assert [d.__name__ for d in detect.DETECTORS][:2] == ['SharedEnvironmentLinker', 'OperatorLinker']\n"
        "assert sorted(report.RENDERERS) == ['ftm', 'graphml', 'html', 'json']\n"
        "try:\n    detect.Nothing\nexcept AttributeError as e:\n    assert 'has no attribute' in str(e)\n"
        "else:\n    raise AssertionError('detect.Nothing')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
