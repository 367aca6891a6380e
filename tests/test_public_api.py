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
