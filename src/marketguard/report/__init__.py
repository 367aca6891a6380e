"""Case reports and exports, read from a scan's results directory only (never the raw inputs)."""
