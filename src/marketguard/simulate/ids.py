"""Vectorised builders for identifier strings.

Tens of millions of strings are needed (login IPs, device ids, order ids), so nothing here loops in Python:
fixed-width strings are written as a ``uint8`` matrix and handed to Arrow as one buffer, and variable-width
strings are joined by Arrow compute kernels. Personal identifiers are salted 64-bit mixes of integer codes,
so the same code always yields the same opaque string while the code itself cannot be read back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "decimal_ids",
    "hash_ids",
    "ipv4_text",
    "ipv6_text",
    "mac_text",
    "mix64",
    "take_strings",
]

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_CHUNK = 1 << 20


def mix64(x: np.ndarray, salt: int) -> np.ndarray:
    """Salted splitmix64 finaliser: a bijection on 64-bit integers, so distinct codes never collide."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF)
        z = z * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _from_matrix(chars: np.ndarray) -> pa.StringArray:
    """Wrap an ``(n, width)`` uint8 matrix of ASCII characters as an Arrow string array without copying rows."""
    n, width = chars.shape
    data = pa.py_buffer(np.ascontiguousarray(chars).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int64) * width).astype(np.int32).tobytes())
    return pa.StringArray.from_buffers(n, offsets, data)


def _with_prefix(prefix: str, body: np.ndarray) -> pa.StringArray:
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    chars = np.empty((body.shape[0], head.size + body.shape[1]), dtype=np.uint8)
    chars[:, : head.size] = head
    chars[:, head.size :] = body
    return _from_matrix(chars)


def decimal_ids(prefix: str, codes: np.ndarray, width: int) -> pa.StringArray:
    """Zero-padded decimal ids such as ``S00001234``; ``width`` digits must hold the largest code."""
    codes = np.asarray(codes, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    body = _DIGITS[(codes[:, None] // powers) % 10]
    return _with_prefix(prefix, body)


def hash_ids(prefix: str, codes: np.ndarray, salt: int) -> pa.StringArray:
    """Opaque identifiers ``<prefix><16 hex>`` from integer codes (equal codes give equal strings)."""
    mixed = mix64(np.asarray(codes, dtype=np.int64), salt)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    body = _HEX[((mixed[:, None] >> shifts) & np.uint64(0xF)).astype(np.intp)]
    return _with_prefix(prefix, body)


def ipv4_text(addresses: np.ndarray) -> pa.Array:
    """Dotted-quad text of 32-bit addresses (call on distinct addresses, then ``take_strings``)."""
    addresses = np.asarray(addresses, dtype=np.int64)
    octets = [pc.cast(pa.array((addresses >> s) & 255), pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def ipv6_text(prefix64: np.ndarray, interface: np.ndarray) -> pa.StringArray:
    """Full-form IPv6 text (eight 4-digit hex groups) from the /64 prefix and the interface id."""
    n = prefix64.shape[0]
    chars = np.full((n, 39), ord(":"), dtype=np.uint8)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    for half, value in enumerate((prefix64, interface)):
        nib = _HEX[((value.astype(np.uint64)[:, None] >> shifts) & np.uint64(0xF)).astype(np.intp)]
        for g in range(4):
            col = (half * 4 + g) * 5
            chars[:, col : col + 4] = nib[:, g * 4 : g * 4 + 4]
    return _from_matrix(chars)


def take_strings(
    values: Sequence[str] | pa.Array, index: np.ndarray, mask: np.ndarray | None = None
) -> pa.ChunkedArray:
    """Pick strings by integer index from values formatted once (``mask`` marks nulls).

    The result is chunked: one huge take makes Arrow grow a single multi-gigabyte buffer by repeated
    reallocation, which is an order of magnitude slower than taking ~1M rows at a time.
    """
    vocab = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    index = np.asarray(index, dtype=np.int64)
    chunks = []
    for lo in range(0, max(index.size, 1), _CHUNK):
        part = index[lo : lo + _CHUNK]
        m = None if mask is None else mask[lo : lo + _CHUNK]
        chunks.append(vocab.take(pa.array(part, mask=m)))
    return pa.chunked_array(chunks, type=vocab.type)


def mac_text(codes: np.ndarray, salt: int) -> pa.StringArray:
    """Wi-Fi BSSIDs (``aa:bb:cc:dd:ee:ff``) derived from integer network codes."""
    mixed = mix64(np.asarray(codes, dtype=np.int64), salt)
    shifts = np.arange(44, -4, -4, dtype=np.uint64)
    nib = _HEX[((mixed[:, None] >> shifts) & np.uint64(0xF)).astype(np.intp)]
    chars = np.full((nib.shape[0], 17), ord(":"), dtype=np.uint8)
    for g in range(6):
        chars[:, g * 3 : g * 3 + 2] = nib[:, g * 2 : g * 2 + 2]
    return _from_matrix(chars)
