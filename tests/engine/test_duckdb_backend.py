"""The embedded engine's connection settings that scans' speed and memory rest on."""

from marketguard.engine.duckdb_backend import DuckDBBackend


def test_blocks_come_from_a_bounded_pool_and_freed_memory_is_purged() -> None:
    backend = DuckDBBackend()
    try:
        settings = dict(
            backend.con.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('block_allocator_memory', 'allocator_background_threads')"
            ).fetchall()
        )
    finally:
        backend.close()
    assert settings == {"block_allocator_memory": "1.0 GiB", "allocator_background_threads": "true"}
