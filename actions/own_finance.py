"""Own-finance questions answered from the customer's MyData, one action per intent."""
from __future__ import annotations

from actions.personal import PersonalAnswerAction


class ActionCheckBalance(PersonalAnswerAction):
    """Balance of one account type or institution, or all, with the total."""

    intent = "check_balance"


class ActionListAccounts(PersonalAnswerAction):
    """Linked accounts, cards, loans and policies by institution (masked numbers)."""

    intent = "list_accounts"


class ActionTotalAssets(PersonalAnswerAction):
    """Net worth: assets minus debts, by kind and institution."""

    intent = "total_assets"


class ActionSpendingSummary(PersonalAnswerAction):
    """Spending by category with the change against the previous period."""

    intent = "spending_summary"


class ActionIncomeSummary(PersonalAnswerAction):
    """Detected salary and other income."""

    intent = "income_summary"


class ActionRecurringPayments(PersonalAnswerAction):
    """Subscriptions and regular payments with the monthly total."""

    intent = "recurring_payments"


class ActionCardBill(PersonalAnswerAction):
    """Card bills due, per card company or in total."""

    intent = "card_bill"


class ActionLoanStatus(PersonalAnswerAction):
    """Loan balances, rates and the next repayment."""

    intent = "loan_status"


class ActionInsuranceSummary(PersonalAnswerAction):
    """Insurance policies held and their premiums."""

    intent = "insurance_summary"


class ActionInvestmentSummary(PersonalAnswerAction):
    """Securities holdings and their returns."""

    intent = "investment_summary"


class ActionListConsents(PersonalAnswerAction):
    """What is shared with whom, until when; an unlinked institution is an answer here."""

    intent = "list_consents"
    connects_unlinked = False
