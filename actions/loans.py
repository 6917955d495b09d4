"""Loan eligibility: a form for amount, term and purpose, then the estimate."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FormStartAction, PersonalAnswerAction
from bot.assistant import Query
from bot.nlp.lexicon import load_lexicon
from bot.nlp.loan_term import find_loan_terms
from bot.nlp.money import parse_amount

MAX_LOAN = 5_000_000_000
MAX_TERM_MONTHS = 480


def term_from_text(text: str) -> Optional[int]:
    terms = find_loan_terms(text or "")
    return terms[0].months if len(terms) == 1 else None


class ActionStartLoanForm(FormStartAction):
    """Takes amount, term and purpose from the question itself; the form asks for the rest."""

    form_slots_name = "action_start_loan_form"

    def slots(self, query: Query) -> Dict[Text, Any]:
        return {
            "loan_amount": query.amount,
            "loan_term": query.loan_term_months or term_from_text(query.text),
            "loan_purpose": query.loan_purpose,
        }


class ValidateLoanForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_loan_form"

    async def extract_loan_term(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        """`36개월 동안` is also read as a period; in this form it is a term."""
        if tracker.get_slot("requested_slot") != "loan_term" or tracker.get_slot("loan_term"):
            return {}
        term = term_from_text(tracker.latest_message.get("text") or "")
        return {"loan_term": term} if term else {}

    async def extract_loan_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "loan_amount" or tracker.get_slot("loan_amount"):
            return {}
        amount = parse_amount(tracker.latest_message.get("text") or "")
        return {"loan_amount": amount} if amount else {}

    def validate_loan_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        if isinstance(value, (int, float)) and 0 < int(value) <= MAX_LOAN and int(value) == value:
            return {"loan_amount": int(value)}
        dispatcher.utter_message(text="금액을 이해하지 못했어요. '천만 원', '3천만원'처럼 원 단위로 말씀해 주세요.")
        return {"loan_amount": None}

    def validate_loan_term(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        if isinstance(value, (int, float)) and 0 < int(value) <= MAX_TERM_MONTHS:
            return {"loan_term": int(value)}
        dispatcher.utter_message(text="상환 기간은 1개월부터 40년 사이로 말씀해 주세요. (예: 3년, 36개월)")
        return {"loan_term": None}

    def validate_loan_purpose(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        purpose = load_lexicon().canonical("loan_purpose", str(value or ""))
        if purpose:
            return {"loan_purpose": purpose}
        dispatcher.utter_message(text="용도는 생활자금, 전세자금, 사업자금, 대환 중에서 골라 주세요.")
        return {"loan_purpose": None}


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
