"""Networks followed from scan to scan by their stores: every kind of change, and ties broken the same way."""

from __future__ import annotations

from marketguard.cases import Match, match_networks


def test_every_kind_of_change_is_named() -> None:
    previous = {
        "C-1": ["s1", "s2", "s3"],  # same stores, renamed network
        "C-2": ["s4", "s5"],  # grows
        "C-3": ["s6", "s7", "s8"],  # shrinks
        "C-4": ["s9", "s10"],  # one store swapped
        "C-5": ["s11", "s12", "s13", "s14"],  # splits 3 + 1
        "C-6": ["s15", "s16", "s17"],  # merges with C-7; C-6 brings more stores
        "C-7": ["s18"],
        "C-8": ["s19", "s20"],  # gone
    }
    current = {
        "N-a": ["s1", "s2", "s3"],
        "N-b": ["s4", "s5", "s21"],
        "N-c": ["s6", "s7"],
        "N-d": ["s9", "s22"],
        "N-e": ["s11", "s12", "s13"],
        "N-f": ["s14", "s23"],
        "N-g": ["s15", "s16", "s17", "s18"],
        "N-h": ["s24", "s25"],
    }
    assert match_networks(previous, current) == [
        Match("C-1", "N-a", "same"),
        Match("C-2", "N-b", "grown", added=1),
        Match("C-3", "N-c", "shrunk", removed=1),
        Match("C-4", "N-d", "changed", added=1, removed=1),
        Match("C-5", "N-e", "shrunk", removed=1),
        Match("C-6", "N-g", "grown", added=1),
        Match("C-7", None, "merged", removed=1, related="C-6"),
        Match("C-8", None, "gone", removed=2),
        Match(None, "N-f", "split", added=2, related="C-5"),
        Match(None, "N-h", "new", added=2),
    ]


def test_equal_overlaps_go_to_the_older_case_and_the_smaller_network_id() -> None:
    # two cases each hold half of one new network: the lower key continues; a case split in equal halves
    # continues in the network with the smaller id
    assert match_networks({"C-2": ["a", "b"], "C-1": ["c", "d"]}, {"N-x": ["a", "b", "c", "d"]}) == [
        Match("C-1", "N-x", "grown", added=2),
        Match("C-2", None, "merged", removed=2, related="C-1"),
    ]
    assert match_networks({"C-1": ["a", "b"]}, {"N-y": ["a"], "N-x": ["b"]}) == [
        Match("C-1", "N-x", "shrunk", removed=1),
        Match(None, "N-y", "split", added=1, related="C-1"),
    ]


def test_the_first_scan_opens_a_case_per_network() -> None:
    assert match_networks({}, {"N-b": ["s2"], "N-a": ["s1"]}) == [
        Match(None, "N-a", "new", added=1),
        Match(None, "N-b", "new", added=1),
    ]
