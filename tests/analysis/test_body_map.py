"""The body map's counting (diary.analysis.body_map), on hand-made diaries."""

from __future__ import annotations

from datetime import date

import pytest

from diary.analysis.body_map import (
    RegionDays,
    by_quarter,
    joined,
    joined_quarters,
    quarter_label,
    quarters,
    region_days,
    region_days_of_sets,
    whole_and_quarters,
    whole_and_quarters_of_sets,
)


def test_two_entries_on_one_day_count_once():
    """Three entries: 10 March left hand (morning) and left hand + left wrist (evening);
    11 March nothing about body sites. Diary days: 2 (10 and 11 March). Left hand: 1 day (the
    two entries of 10 March are one day), left wrist: 1 day, right hand: 0 (absent)."""
    entries = [
        (date(2026, 3, 10), ["left_hand"]),
        (date(2026, 3, 10), ["left_hand", "left_wrist"]),
        (date(2026, 3, 11), []),
    ]
    counts = region_days(entries, date(2026, 3, 1), date(2026, 3, 31))
    assert counts.diary_days == 2
    assert counts.days == {"left_hand": 1, "left_wrist": 1}
    assert counts.count("right_hand") == 0
    assert counts.share("left_hand") == 0.5
    assert counts.level("left_hand") == 3  # 50 % is in the 50-74 % band
    assert counts.level("right_hand") == 0


def test_finer_and_older_codes_shade_their_region_once_a_day():
    """1 April: left fingers and left palm (both the hand: 1 day, not 2), right toes (the right
    foot), left arm (the whole arm, chosen before the map: the left upper arm). 2 April: left
    hand. Left hand: 2 days of 2; right foot 1; left upper arm 1; an unknown old code counts
    towards no region."""
    entries = [
        (date(2026, 4, 1), ["left_fingers", "left_palm", "right_toes", "left_arm", "tail"]),
        (date(2026, 4, 2), ["left_hand"]),
    ]
    counts = region_days(entries, date(2026, 4, 1), date(2026, 4, 2))
    assert counts.days == {"left_hand": 2, "right_foot": 1, "left_upper_arm": 1}
    assert counts.level("left_hand") == 4
    assert counts.level("right_foot") == 3


def test_only_days_inside_the_period_count():
    """Entries on 31 March and 1 April; the period is April: one diary day, left knee 1 day
    (31 March's right knee is outside the period)."""
    entries = [(date(2026, 3, 31), ["right_knee"]), (date(2026, 4, 1), ["left_knee"])]
    counts = region_days(entries, date(2026, 4, 1), date(2026, 4, 30))
    assert counts.diary_days == 1
    assert counts.days == {"left_knee": 1}


def test_levels_follow_the_share_of_diary_days():
    """8 diary days; right ankle reported on 1 (12.5 %: level 1), 2 (25 %: level 2), 5 (62.5 %:
    level 3) and 6 (75 %: level 4) of them in four diaries."""
    days = [date(2026, 5, d) for d in range(1, 9)]
    for reported, level in ((1, 1), (2, 2), (5, 3), (6, 4)):
        entries = [(d, ["right_ankle"] if i < reported else []) for i, d in enumerate(days)]
        counts = region_days(entries, days[0], days[-1])
        assert (counts.diary_days, counts.level("right_ankle")) == (8, level)


def test_a_period_without_entries_has_no_share():
    counts = region_days([], date(2026, 1, 1), date(2026, 1, 31))
    assert counts.diary_days == 0 and counts.share("left_hand") is None
    assert counts.level("left_hand") == 0


def test_quarters_are_calendar_quarters_cut_to_the_range():
    """15 Feb to 3 Jul 2026: Q1 from 15 Feb to 31 Mar, the whole of Q2, Q3 from 1 to 3 Jul.
    A range across a new year: 31 Dec 2025 and 1 Jan 2026 are two quarters of one day."""
    assert quarters(date(2026, 2, 15), date(2026, 7, 3)) == [
        (date(2026, 2, 15), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 7, 3)),
    ]
    assert quarters(date(2025, 12, 31), date(2026, 1, 1)) == [
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 1)),
    ]
    assert quarter_label(date(2026, 5, 17)) == "Q2 2026"
    assert quarter_label(date(2025, 12, 31)) == "Q4 2025"


def test_small_multiples_show_spread_to_another_limb_across_a_quarter_boundary():
    """The right foot from 30 to 31 March (Q1), then the right foot and the left foot from 1 to
    2 April (Q2, spread to the other limb), range 30 Mar - 2 Apr. Q1: 2 diary days, right foot
    2, left foot 0. Q2: 2 diary days, right foot 2, left foot 2. The whole range: 4 diary days,
    right foot 4, left foot 2."""
    entries = [
        (date(2026, 3, 30), ["right_foot"]),
        (date(2026, 3, 31), ["right_foot"]),
        (date(2026, 4, 1), ["right_foot", "left_foot"]),
        (date(2026, 4, 2), ["left_foot", "right_foot"]),
    ]
    q1, q2 = by_quarter(entries, date(2026, 3, 30), date(2026, 4, 2))
    assert (q1.start, q1.end, q1.diary_days, q1.days) == (
        date(2026, 3, 30),
        date(2026, 3, 31),
        2,
        {"right_foot": 2},
    )
    assert (q2.start, q2.end, q2.diary_days, q2.days) == (
        date(2026, 4, 1),
        date(2026, 4, 2),
        2,
        {"right_foot": 2, "left_foot": 2},
    )
    whole = region_days(entries, date(2026, 3, 30), date(2026, 4, 2))
    assert whole.days == {"right_foot": 4, "left_foot": 2}


def test_two_periods_that_meet_are_counted_as_one():
    """Entries (day, sites): 30 Mar left hand; 31 Mar none; 1 Apr left hand and right foot;
    2 Apr right foot. Split on 1 Apr: 30-31 Mar has 2 diary days, left hand 1; 1-2 Apr has 2,
    left hand 1, right foot 2. Joined: 4 diary days, left hand 2, right foot 2 - as counted
    whole. The quarters: Q1 (30-31 Mar) and Q2 (1-2 Apr) stay apart; split on 31 Mar instead,
    the two parts of Q1 are joined back into 30-31 Mar."""
    entries = [
        (date(2026, 3, 30), ["left_hand"]),
        (date(2026, 3, 31), []),
        (date(2026, 4, 1), ["left_hand", "right_foot"]),
        (date(2026, 4, 2), ["right_foot"]),
    ]
    start, split, end = date(2026, 3, 30), date(2026, 4, 1), date(2026, 4, 2)
    first = region_days(entries, start, date(2026, 3, 31))
    second = region_days(entries, split, end)
    whole = joined(first, second)
    assert whole == region_days(entries, start, end)
    assert (whole.diary_days, whole.count("left_hand"), whole.count("right_foot")) == (4, 2, 2)
    assert joined_quarters(
        by_quarter(entries, start, date(2026, 3, 31)), by_quarter(entries, split, end)
    ) == by_quarter(entries, start, end)
    in_q1 = joined_quarters(
        by_quarter(entries, start, date(2026, 3, 30)),
        by_quarter(entries, date(2026, 3, 31), end),
    )
    assert in_q1 == by_quarter(entries, start, end)
    assert [(q.start, q.end, q.diary_days) for q in in_q1] == [
        (date(2026, 3, 30), date(2026, 3, 31), 2),
        (date(2026, 4, 1), date(2026, 4, 2), 2),
    ]


def test_periods_that_do_not_meet_are_not_joined():
    """1-2 Jan and 4-5 Jan leave 3 Jan out: joining them would count a period that was not."""
    a = RegionDays(date(2026, 1, 1), date(2026, 1, 2), 2, {"left_hand": 1})
    b = RegionDays(date(2026, 1, 4), date(2026, 1, 5), 1, {})
    with pytest.raises(ValueError, match="do not meet"):
        joined(a, b)


def test_whole_and_quarters_are_the_two_counts_made_apart():
    """Entries over two quarters, with two entries on 31 March and an entry outside the range
    (1 Jan): 28 Mar right hand; 31 Mar right hand, then left foot; 1 Apr none; 3 Apr right
    hand and right wrist; range 28 Mar - 2 Apr. The whole period: 3 diary days, right hand 2,
    left foot 1 (3 Apr is outside); Q1 (28-31 Mar): 2 days, right hand 2, left foot 1; Q2
    (1-2 Apr): 1 day, nothing reported. whole_and_quarters gives exactly region_days and
    by_quarter; an empty period (end before start) has no quarter and no day."""
    entries = [
        (date(2026, 1, 1), ["left_hand"]),
        (date(2026, 3, 28), ["right_hand"]),
        (date(2026, 3, 31), ["right_hand"]),
        (date(2026, 3, 31), ["left_foot"]),
        (date(2026, 4, 1), []),
        (date(2026, 4, 3), ["right_hand", "right_wrist"]),
    ]
    start, end = date(2026, 3, 28), date(2026, 4, 2)
    whole, quarter_counts = whole_and_quarters(iter(entries), start, end)
    assert whole == region_days(entries, start, end)
    assert (whole.start, whole.end, whole.diary_days) == (start, end, 3)
    assert whole.days == {"right_hand": 2, "left_foot": 1}
    assert quarter_counts == by_quarter(entries, start, end)
    assert [(q.diary_days, q.days) for q in quarter_counts] == [
        (2, {"right_hand": 2, "left_foot": 1}),
        (1, {}),
    ]
    assert whole_and_quarters(entries, end, start) == (region_days(entries, end, start), [])


def test_counts_from_days_grouped_by_their_sites_are_the_counts_from_the_days():
    """The loaded days come grouped by quarter and set of sites (the review's five years are a
    few distinct sets): (sites, days) pairs. Q1 2026 (28 to 31 Mar): right hand and right wrist
    on 2 days, the same two written the other way round on 1 day (a second pair), nothing on 1
    day; Q2 (1 and 2 Apr): left fingers (the left hand) on 2 days. The same counts as the days
    themselves: 6 diary days, right hand 3, right wrist 3, left hand 2; Q1 4 days; Q2 2 days.
    Pairs for another number of quarters than the period has are refused."""
    start, end = date(2026, 3, 28), date(2026, 4, 2)
    q1 = [(frozenset({"right_hand", "right_wrist"}), 2), (["right_wrist", "right_hand"], 1)]
    q1.append((frozenset(), 1))
    q2 = [(frozenset({"left_fingers"}), 2)]
    days = [date(2026, 3, d) for d in (28, 29, 30, 31)] + [date(2026, 4, 1), date(2026, 4, 2)]
    sites = [["right_hand", "right_wrist"]] * 3 + [[]] + [["left_fingers"]] * 2
    entries = list(zip(days, sites, strict=True))
    whole, quarter_counts = whole_and_quarters_of_sets([q1, q2], start, end)
    assert (whole, quarter_counts) == whole_and_quarters(entries, start, end)
    assert (whole.diary_days, whole.days) == (
        6,
        {"right_hand": 3, "right_wrist": 3, "left_hand": 2},
    )
    assert [q.diary_days for q in quarter_counts] == [4, 2]
    assert region_days_of_sets(q1 + q2, start, end) == whole
    with pytest.raises(ValueError):
        whole_and_quarters_of_sets([q1 + q2], start, end)
