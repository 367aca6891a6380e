"""The live path: events as they happen, checked as the batch checks rows (:mod:`marketguard.live.events`),
kept in a durable log before they are acknowledged (:mod:`marketguard.live.log`)."""
