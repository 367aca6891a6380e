"""What a brand's analysts see of a network: the evidence with personal identifiers replaced by pseudonyms, and
no customs data.

A brand needs to know which stores sell its fakes, how they are tied and where the goods come from; it has no
need for the phones, identity documents, bank accounts, devices and IP addresses of the people behind them.
Each identifier becomes ``<kind>#<10 hex>``, a keyed hash (HMAC-SHA-256 with a secret the case store keeps):
the same identifier keeps the same pseudonym across a network's links, artifacts and money (the graph still
reads), and, unlike a plain hash, a phone number cannot be found by hashing every possible one. Ship-from sites
(business premises), store and account ids, figures and reasons are kept.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

__all__ = ["PERSONAL_KINDS", "Redactor"]

#: Evidence kinds whose values identify a person or their equipment.
PERSONAL_KINDS = frozenset(
    {
        "device",
        "wifi",
        "ip",
        "ip_net",
        "id_document",
        "phone",
        "email",
        "bank_account",
        "payee",
        "destination",
        "office",
    }
)


class Redactor:
    """Pseudonyms under one secret (the case store's: the same in every worker and after a restart, so a brand
    analyst can follow one pseudonym from week to week)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def pseudonym(self, kind: str, value: str) -> str:
        digest = hmac.new(self._secret, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}#{digest[:10]}"

    def network(self, evidence: dict[str, Any]) -> dict[str, Any]:
        """A network's evidence (the case report's content) for a brand's analysts."""
        out = dict(evidence)
        for key in ("links", "uses"):
            out[key] = [self._artifact_row(r) for r in evidence.get(key) or []]
        out["artifacts"] = [
            self._artifact_row(r) | ({"key": f"{r['kind']}:{self._value(r)}"} if "key" in r else {})
            for r in evidence.get("artifacts") or []
        ]
        out["money"] = (
            [self._money_row(r) for r in evidence.get("money") or []] if evidence.get("money") else None
        )
        out["money_chain"] = [self._money_row(r) for r in evidence.get("money_chain") or []]
        out["declarations"] = None
        out["notes"] = [n for n in evidence.get("notes") or [] if "declaration" not in n]
        return out

    def _value(self, row: dict[str, Any]) -> str:
        value = row.get("artifact")
        if row.get("kind") in PERSONAL_KINDS and value is not None:
            return self.pseudonym(row["kind"], str(value))
        return str(value)

    def _artifact_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return row | {"artifact": self._value(row)} if "artifact" in row else row

    def _money_row(self, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        if out.get("party") is not None:
            out["party"] = self.pseudonym("account", str(out["party"]))
        if out.get("via"):
            out["via"] = [self.pseudonym("account", str(v)) for v in out["via"]]
        return out
