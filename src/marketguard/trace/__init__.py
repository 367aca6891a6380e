"""Tracing a network back to where its goods come from and where its money goes: logistics sites from
shipments, the money trail from transfers, revenue over time."""
