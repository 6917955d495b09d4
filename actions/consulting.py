"""Consulting: the credit score, product suggestions and advice from the customer's own data."""
from __future__ import annotations

from actions.personal import PersonalAnswerAction


class ActionCreditScore(PersonalAnswerAction):
    """Our model's score, band and the three factors that moved it most."""

    intent = "credit_score"


class ActionRecommendProduct(PersonalAnswerAction):
    """Deposits, savings, cards or loans ranked with the customer's own numbers."""

    intent = "recommend_product"


class ActionFinancialAdvice(PersonalAnswerAction):
    """A short diagnosis with two or three concrete steps."""

    intent = "financial_advice"
