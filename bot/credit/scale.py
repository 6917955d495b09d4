"""The credit score's scale, shared by the scorer and the loan advisor: PD ↔ score, score → band.

Score: 1-1000, higher is better: ``700 + 60 * log2(odds / 19)`` with ``odds = (1-PD)/PD``
(PD 5%, odds 19:1, scores 700; every doubling of the odds adds 60 points), clipped to
1..1000. Band: the 1-10등급 ranges NICE published for converting its 1-1000 score to
the old grades (1등급 900+, 2: 870-899, 3: 840-869, 4: 805-839, 5: 750-804, 6: 665-749,
7: 600-664, 8: 515-599, 9: 445-514, 10: 444 and below). Our score is not a bureau score.
"""
from __future__ import annotations

import math

SCORE_AT_ANCHOR = 700
ANCHOR_ODDS = 19.0
POINTS_TO_DOUBLE_ODDS = 60
BANDS = (
    (900, "1등급"),
    (870, "2등급"),
    (840, "3등급"),
    (805, "4등급"),
    (750, "5등급"),
    (665, "6등급"),
    (600, "7등급"),
    (515, "8등급"),
    (445, "9등급"),
    (1, "10등급"),
)


def score_from_pd(pd_: float) -> int:
    pd_ = min(max(float(pd_), 1e-9), 1 - 1e-9)
    odds = (1.0 - pd_) / pd_
    points = SCORE_AT_ANCHOR + POINTS_TO_DOUBLE_ODDS * math.log2(odds / ANCHOR_ODDS)
    return int(min(1000, max(1, round(points))))


def pd_from_score(score: int) -> float:
    """The PD a score stands for on this scale (the inverse of `score_from_pd`, before rounding)."""
    odds = ANCHOR_ODDS * 2 ** ((score - SCORE_AT_ANCHOR) / POINTS_TO_DOUBLE_ODDS)
    return 1 / (1 + odds)


def band_from_score(score: int) -> str:
    for floor, band in BANDS:
        if score >= floor:
            return band
    return BANDS[-1][1]
