"""``python -m marketguard.cli``."""

from marketguard.cli import main

main()
