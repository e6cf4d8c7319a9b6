"""The review's days grouped again in memory (services/loaded_days.py): weekly means and the
days per body-site set, against analysis's definitions (analysis.weekly_values, the days'
sets), from the days' rows as daily_sql.day_aggregates gives them and from plain dicts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diary import analysis, measures
from diary.charts_svg.pain import late_weeks
from diary.services import daily_sql, loaded_days
from diary.services.daily_sql import JOINED_CODES, NUMBERS, ON_TIME, DayValues


def _days_both_ways(days: dict[date, dict]) -> tuple[dict, dict]:
    """Hand-made days as the review loads them (DayValues over a row as day_aggregates reads
    it: a set measure's entries' JSON texts joined) and as analysis combines them (a dict)."""
    as_rows, as_dicts = {}, {}
    for day, values in days.items():
        texts = [values.get(code) for code in JOINED_CODES]
        # day, on time, the numbers, the JSON texts, no notes, recorded_at and zone unread
        row = (day, ON_TIME, *(values.get(code) for code in NUMBERS), *texts, None, None, None)
        as_rows[day] = analysis.DayAggregate(day, DayValues(row, {}))
        parsed = {
            c: daily_sql.parse_joined(measures.DAILY_RULES[c], t)
            for c, t in zip(JOINED_CODES, texts, strict=True)
        }
        as_dicts[day] = analysis.DayAggregate(day, {**values, **parsed})
    return as_rows, as_dicts


def test_loaded_days_group_weeks_and_sets_as_analysis_defines_them():
    """Days 2-15 Mar 2026 (Monday weeks of 2 and 9 Mar) and 16 Mar: pain every day (2 Mar
    week: 1..7, mean 4.0; 9 Mar week: 8..14, mean 11.0; 16 Mar alone: fewer than 4 days, None);
    sleep hours only on 2, 3, 4 Mar (3 days: None) and on 9-12 Mar (4 days: mean 6.5);
    symptoms burning on 3 Mar, aching on 10 Mar. Body sites: right hand on 2-8 Mar, written as
    two entries' texts on 4 Mar; the right hand and right wrist, in either order, on 9-15 Mar;
    nothing on 16 Mar. The weeks are analysis.weekly_values' (the definition), from rows as
    from dicts, and from days given out of order; the body sites' days by period and set are
    the days counted one by one, codes in the order first reported; the same from the days put
    in order once (loaded_days.in_order)."""
    days: dict[date, dict] = {}
    for i in range(15):
        day = date(2026, 3, 2) + timedelta(days=i)
        sites = '["right_hand"]' if i < 7 else '["right_hand","right_wrist"]'
        if i == 2:
            sites = '["right_hand"],["right_hand"]'
        if i >= 7 and i % 2:
            sites = '["right_wrist","right_hand"]'
        days[day] = {"pain": float(i + 1), "body_sites": sites if i < 14 else None}
        if i < 3 or 7 <= i < 11:
            days[day]["sleep_hours"] = 5.0 + i - (7 if i >= 7 else 0)
    days[date(2026, 3, 3)]["symptoms"] = '["burning"]'
    days[date(2026, 3, 10)]["symptoms"] = '["aching"]'
    as_rows, as_dicts = _days_both_ways(days)
    codes = ["pain", "sleep_hours", "symptoms"]
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    expected = analysis.weekly_values(as_dicts, codes, start, end)
    assert [(w, v["pain"], v["sleep_hours"]) for w, v in expected.items()] == [
        (date(2026, 3, 2), 4.0, None),
        (date(2026, 3, 9), 11.0, 6.5),
        (date(2026, 3, 16), None, None),
    ]
    backwards = dict(reversed(as_rows.items()))
    in_order = loaded_days.in_order(backwards)  # put in order once, grouped several times
    for given in (as_rows, as_dicts, backwards, in_order):
        weeks = loaded_days.weekly_means_of_days(given, codes, start, end)
        assert weeks == expected and list(weeks) == list(expected)
        assert [list(v) for v in weeks.values()] == [codes] * 3
    assert (
        loaded_days.weekly_means_of_days(as_rows, codes, date(2026, 3, 4), date(2026, 3, 8))[
            date(2026, 3, 2)
        ]["pain"]
        == (3 + 4 + 5 + 6 + 7) / 5
    )

    one_by_one: dict[str, int] = {}
    for aggregate in as_dicts.values():
        for site in aggregate["body_sites"]:
            one_by_one[site] = one_by_one.get(site, 0) + 1
    assert one_by_one == {"right_hand": 14, "right_wrist": 7}
    periods = [(date(2026, 3, 1), date(2026, 3, 8)), (date(2026, 3, 9), date(2026, 3, 16))]
    for given in (as_rows, as_dicts, backwards, in_order):
        grouped = loaded_days.day_set_counts(given, "body_sites", periods)
        assert sum(n for _, n in grouped[0]) == 7
        assert sum(n for _, n in grouped[1]) == 8  # 16 Mar: no site, still a diary day
        counts = loaded_days.days_per_code_of_counts(p for pairs in grouped for p in pairs)
        assert counts == one_by_one and next(iter(counts)) == "right_hand"
        assert loaded_days.days_per_code_of_days(given, "body_sites", start, end) == counts
    in_rows = loaded_days.day_set_counts(as_rows, "body_sites", periods)[1]
    assert sorted(n for _, n in in_rows) == [1, 3, 4]  # two texts of one set, and no site
    assert loaded_days.day_set_counts(as_rows, "body_sites", []) == []
    with pytest.raises(ValueError):
        loaded_days.day_set_counts(as_rows, "pain", periods)


def test_loaded_days_count_late_weeks_as_the_charts_do():
    """Days 2-22 Mar 2026 (Monday weeks of 2, 9 and 16 Mar) with 0 to 3 entries, some late:
    a day is late when it has entries and every one was late (2 of 2 on 3 Mar, 1 of 1 on
    4 Mar and 12 Mar, 3 of 3 on 19 Mar; 1 of 2 on 5 Mar is not, nor a day without entries).
    The counts per week are charts_svg.late_weeks' over the whole period and parts of it, from
    days given in order or not."""
    days = {}
    pattern = {1: (2, 2), 2: (1, 1), 3: (2, 1), 6: (0, 0), 10: (1, 1), 17: (3, 3), 18: (3, 2)}
    for i in range(21):
        day = date(2026, 3, 2) + timedelta(days=i)
        entries, late = pattern.get(i, (1, 0))
        days[day] = analysis.DayAggregate(day, {"pain": 1.0}, entries, late)
    backwards = dict(reversed(days.items()))
    for start, end in [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 3, 4), date(2026, 3, 12)),
        (date(2026, 3, 23), date(2026, 3, 29)),
    ]:
        expected = late_weeks(days, start, end)
        for given in (days, backwards, loaded_days.in_order(backwards)):
            found = loaded_days.late_weeks_of_days(given, start, end)
            assert found == expected and list(found) == list(expected)
    assert loaded_days.late_weeks_of_days(days, date(2026, 3, 1), date(2026, 3, 31)) == {
        date(2026, 3, 2): 2,
        date(2026, 3, 9): 1,
        date(2026, 3, 16): 1,
    }
