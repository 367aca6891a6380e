"""Orchestration: the stages of a scan, in order, with progress and a manifest."""
