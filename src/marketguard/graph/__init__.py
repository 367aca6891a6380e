"""Graph algorithms on integer-coded numpy edge lists."""

from marketguard.graph.components import (
    bipartite_components,
    connected_components,
    encode,
    encode_sorted,
    unique,
)

__all__ = ["bipartite_components", "connected_components", "encode", "encode_sorted", "unique"]
