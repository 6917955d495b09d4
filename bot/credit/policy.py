"""Delinquency policy on top of the learned probability of default.

The Lending Club loans cannot teach what a delinquency does to risk: they are loans the
lender approved, and it approved delinquents only when the rest of the file was strong
(see :mod:`bot.credit.features`). So delinquency is not a model input; this policy
applies it, with stated numbers that are assumptions, not estimates, until our own loan
book can replace them:

- each 30+ day delinquency in the last 24 months doubles the odds of default, counting
  at most 3 (odds x 8);
- a loan 30+ days past due *now* puts the PD at no less than 30% (score about 520,
  8등급): a current arrear is a decline-level fact in Korean lending.
"""
from __future__ import annotations

from typing import Optional

PAST_DELINQUENCY_ODDS_FACTOR = 2.0
PAST_DELINQUENCY_MAX_COUNT = 3
CURRENT_DELINQUENCY_DAYS = 30
CURRENT_DELINQUENCY_MIN_PD = 0.30


def apply_delinquency_policy(
    pd_model: float, delinquencies_24m: Optional[int], loans_past_due_now: Optional[int]
) -> float:
    """Final PD from the model's PD and the customer's delinquency facts (None: unknown)."""
    pd_ = float(pd_model)
    if delinquencies_24m:
        factor = PAST_DELINQUENCY_ODDS_FACTOR ** min(int(delinquencies_24m), PAST_DELINQUENCY_MAX_COUNT)
        odds = pd_ / (1.0 - pd_) * factor
        pd_ = odds / (1.0 + odds)
    if loans_past_due_now:
        pd_ = max(pd_, CURRENT_DELINQUENCY_MIN_PD)
    return pd_
