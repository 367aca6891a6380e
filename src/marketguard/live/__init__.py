"""The live path: events as they happen, checked as the batch checks rows (:mod:`marketguard.live.events`), kept in
a durable log before they are acknowledged (:mod:`marketguard.live.log`), and scored store by store as they arrive
(:mod:`marketguard.live.scorer`, over :mod:`marketguard.live.signals`) with a model trained for it
(``marketguard train --signals live``), equal to a batch scan of the data cut at the same moment."""

from marketguard.live.events import EVENT_KINDS, BadEvent, Event, read_event
from marketguard.live.log import EventLog
from marketguard.live.scorer import Alert, LiveScorer, StoreRisk

__all__ = ["EVENT_KINDS", "Alert", "BadEvent", "Event", "EventLog", "LiveScorer", "StoreRisk", "read_event"]
