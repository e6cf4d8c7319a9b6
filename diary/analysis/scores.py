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
