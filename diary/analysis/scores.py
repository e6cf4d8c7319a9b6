"""Scores: the CRPS Severity Score and the PROMIS Pain Interference 4a raw score."""

from __future__ import annotations

from diary.codes import CSS_SYMPTOM_ITEMS, EXAM_SIGN_CODES


def crps_severity_score(
    pain_reported: bool,
    symptom_codes: set[str] | frozenset[str],
    exam_signs: set[str] | frozenset[str],
) -> int:
    """CRPS Severity Score, 16-item form (Harden 2010; 2017 validation), 0-16.

    8 symptom items (codes.CSS_SYMPTOM_ITEMS): "continuing_pain" scores 1 when `pain_reported`,
    each other item 1 when any of its patient symptom codes is in `symptom_codes`. Plus 1 per
    clinician-observed sign in `exam_signs` that is one of codes.EXAM_SIGN_CODES (unknown codes
    are ignored). The caller decides whether enough data exists (docs/clinical.md: signs recorded at
    a visit and symptoms reported within the 7 days before it): a diary alone, without the
    clinician's examination, cannot give a full CSS.
    """
    reported = set(symptom_codes)
    score = 0
    for item, codes in CSS_SYMPTOM_ITEMS.items():
        if item == "continuing_pain":
            score += 1 if pain_reported else 0
        elif codes & reported:
            score += 1
    return score + len(set(exam_signs) & EXAM_SIGN_CODES)


def promis_pi_raw(answers: list[int | None]) -> int | None:
    """PROMIS Pain Interference 4a raw score: the sum of the 4 items, each scored 1 ("not at
    all") to 5 ("very much"), so 4-20. None unless all 4 items are answered (no prorating).
    Raises ValueError for an answer outside 1-5 or more than 4 answers. The raw sum is not a
    T-score; converting needs the PROMIS scoring table."""
    if len(answers) > 4:
        raise ValueError("PROMIS PI 4a has 4 items")
    for answer in answers:
        if answer is not None and not 1 <= answer <= 5:
            raise ValueError(f"PROMIS answer out of range 1-5: {answer}")
    if len(answers) < 4 or any(a is None for a in answers):
        return None
    return sum(answers)


# PROMIS Pain Interference Short Form 4a v1.0: T-score (and its standard error) for each raw
# sum 4-20, from the HealthMeasures PROMIS Pain Interference scoring manual's conversion table
# for the 4a short form (docs/clinical.md gives the citation).
PROMIS_PI_4A_T_SCORES: dict[int, tuple[float, float]] = {
    4: (41.6, 6.1),
    5: (49.6, 2.5),
    6: (52.0, 2.0),
    7: (53.9, 1.9),
    8: (55.6, 1.9),
    9: (57.1, 1.9),
    10: (58.5, 1.8),
    11: (59.9, 1.8),
    12: (61.2, 1.8),
    13: (62.5, 1.8),
    14: (63.8, 1.8),
    15: (65.2, 1.8),
    16: (66.6, 1.8),
    17: (68.0, 1.8),
    18: (69.7, 1.9),
    19: (71.6, 2.1),
    20: (75.6, 3.7),
}
# A change of 2-3 T points is important in chronic pain (Chen et al., J Pain 2018).
PROMIS_IMPORTANT_T_CHANGE = 3.0


def promis_pi_t_score(raw: int | None) -> float | None:
    """The PROMIS PI 4a v1.0 T-score of a complete raw sum (4-20), None for None. Raises
    ValueError outside 4-20 (an incomplete form has no raw sum and no T-score)."""
    if raw is None:
        return None
    if raw not in PROMIS_PI_4A_T_SCORES:
        raise ValueError(f"PROMIS PI 4a raw sum out of range 4-20: {raw}")
    return PROMIS_PI_4A_T_SCORES[raw][0]


def peg_score(
    average: float | None, enjoyment: float | None, activity: float | None
) -> float | None:
    """PEG score (Krebs 2009): the mean of its three 0-10 items, here average pain and the two
    interference items as the diary asks them daily. None unless all three are given."""
    if average is None or enjoyment is None or activity is None:
        return None
    return sum((average, enjoyment, activity)) / 3


# PGIC: 1 very much improved .. 7 very much worse; a responder answers 1 or 2 (much or very
# much improved), the anchor of the 2-point / 30% NRS change (Farrar 2001).
PGIC_RESPONDER_MAX = 2


def pgic_responder(pgic: int | None) -> bool | None:
    """True for PGIC 1-2, False for 3-7, None when not answered."""
    if pgic is None:
        return None
    if not 1 <= pgic <= 7:
        raise ValueError(f"PGIC out of range 1-7: {pgic}")
    return pgic <= PGIC_RESPONDER_MAX


# The smallest real difference of the CSS (Harden 2017 multisite validation): about 4.9 points.
CSS_SMALLEST_REAL_DIFFERENCE = 4.9


def css_change(earlier: int | None, later: int | None) -> tuple[int | None, bool]:
    """(later - earlier, whether its size reaches the smallest real difference 4.9); (None,
    False) unless both scores exist. A change of 4 is within measurement error; 5 is beyond."""
    if earlier is None or later is None:
        return None, False
    change = later - earlier
    return change, abs(change) >= CSS_SMALLEST_REAL_DIFFERENCE
