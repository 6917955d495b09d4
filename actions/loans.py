"""Loan eligibility: a form for amount, term and purpose, then the estimate."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker

from actions.forms import FormStartAction
from actions.personal import PersonalAnswerAction
from actions.repair import RepairingFormValidation
from bot.assistant import Query
from bot.conversation.form_values import values_in
from bot.nlp.loan_term import parse_loan_term


class ActionStartLoanForm(FormStartAction):
    """Takes amount, term and purpose from the question itself; the form asks for the rest.

    A bare `2천` is 2천만 원 in a loan, as in the form's answers (bot.conversation.form_values).
    """

    action_name = "action_start_loan_form"

    def slots(self, query: Query) -> Dict[Text, Any]:
        amounts = {v.value for v in values_in("loan_form", query.text, []) if v.slot == "loan_amount"}
        return {
            "loan_amount": amounts.pop() if len(amounts) == 1 else query.amount,
            "loan_term": query.loan_term_months or parse_loan_term(query.text),
            "loan_purpose": query.loan_purpose,
        }


class ValidateLoanForm(RepairingFormValidation):
    def name(self) -> Text:
        return "validate_loan_form"


class ActionLoanEligibility(PersonalAnswerAction):
    """Approval estimate, rate range and limit from our score and the DSR rules."""

    intent = "loan_eligibility"
    slots_to_clear = ("loan_amount", "loan_term", "loan_purpose")

    def query(self, tracker: Tracker) -> Query:
        return Query(
            text=tracker.latest_message.get("text") or "",
            amount=tracker.get_slot("loan_amount"),
            loan_term_months=tracker.get_slot("loan_term"),
            loan_purpose=tracker.get_slot("loan_purpose"),
        )
