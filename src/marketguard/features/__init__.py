"""SQL steps that build features. Functions here return :class:`~marketguard.engine.Step` objects (DuckDB
dialect) and never execute anything themselves."""
