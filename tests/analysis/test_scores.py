"""The CRPS severity score and the PROMIS PI 4a raw score (diary.analysis.scores)."""

import pytest

from diary.analysis import crps_severity_score, promis_pi_raw
from diary.codes import EXAM_SIGN_CODES

# --- CRPS severity score ------------------------------------------------------------------------


def test_css_counts_items_not_codes():
    # allodynia and hyperalgesia share one item; stiffness and weakness share the motor item
    symptoms = {"allodynia", "hyperalgesia", "stiffness", "weakness", "burning"}
    assert crps_severity_score(False, symptoms, set()) == 2


def test_css_full_score_is_16():
    all_symptoms = {"allodynia", "temperature_change", "color_change", "sweating_change"}
    all_symptoms |= {"swelling", "trophic_change", "tremor_spasm"}
    signs = set(EXAM_SIGN_CODES)
    assert crps_severity_score(True, all_symptoms, signs) == 16


def test_css_pain_and_signs():
    assert crps_severity_score(True, set(), set()) == 1
    assert crps_severity_score(False, set(), {"edema", "motor_changes", "not_a_sign"}) == 2
    assert crps_severity_score(False, set(), set()) == 0


# --- PROMIS PI 4a -------------------------------------------------------------------------------


def test_promis_raw_sum():
    assert promis_pi_raw([1, 2, 3, 5]) == 11
    assert promis_pi_raw([1, 1, 1, 1]) == 4
    assert promis_pi_raw([5, 5, 5, 5]) == 20


def test_promis_incomplete_is_none():
    assert promis_pi_raw([1, 2, 3]) is None
    assert promis_pi_raw([1, 2, None, 4]) is None


def test_promis_out_of_range():
    with pytest.raises(ValueError):
        promis_pi_raw([0, 2, 3, 4])
    with pytest.raises(ValueError):
        promis_pi_raw([1, 2, 3, 4, 5])
