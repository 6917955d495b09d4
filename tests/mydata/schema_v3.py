"""Frozen copy of the version-3 store schema (bot/mydata/models.py as the code before Alembic
created it), so the upgrade test can build a real store of that version. Secrets are plain Text
here: the test copies them as another store encrypted them. Never edit."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 3

Base = declarative_base()
Id = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive ones are refused, never guessed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is timezone.utc:
            return value.replace(tzinfo=None)
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the MyData store; use an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    version = Column(Integer, primary_key=True)
    applied_at = Column(UtcDateTime, nullable=False, default=utcnow)


class Customer(Base):
    __tablename__ = "customers"
    id = Column(String(32), primary_key=True)
    name = Column(String(50), nullable=False, default="")
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)


class Institution(Base):
    __tablename__ = "institutions"
    org_code = Column(String(10), primary_key=True)
    name = Column(String(40), nullable=False)
    kind = Column(String(12), nullable=False)
    api_base_url = Column(String(200))


class MerchantCategory(Base):
    """Merchant -> category as data: patterns from lexicons.yml plus bank-memo rules."""

    __tablename__ = "merchant_categories"
    pattern = Column(String(60), primary_key=True)
    merchant = Column(String(50), nullable=False)
    category = Column(String(10), nullable=False)
    source = Column(String(12), nullable=False)


class Consent(Base):
    """One customer's permission for one institution: scopes, at most a year, revocable."""

    __tablename__ = "consents"
    id = Column(Id, primary_key=True, autoincrement=True)
    consent_ref = Column(String(40), nullable=False, unique=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False)
    org_code = Column(String(10), ForeignKey("institutions.org_code"), nullable=False)
    scopes = Column(Text, nullable=False)
    issued_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    revoked_at = Column(UtcDateTime)
    last_success_at = Column(UtcDateTime)
    last_attempt_at = Column(UtcDateTime)
    last_error = Column(Text)
    __table_args__ = (Index("ix_consents_customer_org", "customer_id", "org_code"),)


class Token(Base):
    __tablename__ = "tokens"
    consent_id = Column(Id, ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True)
    customer_id = Column(String(32), nullable=False, index=True)
    org_code = Column(String(10), nullable=False)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    access_expires_at = Column(UtcDateTime, nullable=False)
    refresh_expires_at = Column(UtcDateTime, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False, default=utcnow)


class Account(Base):
    """A deposit, savings or securities account."""

    __tablename__ = "accounts"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    account_num = Column(Text, nullable=False)  # the data API asks by it when the list is unchanged
    account_key = Column(String(40), nullable=False)  # vault.number_key(account_num): what records match on
    account_masked = Column(String(20), nullable=False, default="")  # masking.mask_number(account_num)
    seqno = Column(String(4), nullable=False, default="01")
    kind = Column(String(10), nullable=False)  # deposit | savings | invest
    account_type = Column(String(6), nullable=False)
    prod_name = Column(String(100), nullable=False)
    currency = Column(String(3), nullable=False, default="KRW")
    opened_on = Column(Date)
    matures_on = Column(Date)
    balance = Column(BigInteger, nullable=False, default=0)
    withdrawable = Column(BigInteger)
    eval_amt = Column(BigInteger)
    rate_bp = Column(Integer)
    commit_amt = Column(BigInteger)
    monthly_paid_in = Column(BigInteger)
    last_trans_at = Column(UtcDateTime)
    closed_at = Column(UtcDateTime)  # gone from the institution's list: kept for its history, no longer live
    updated_at = Column(UtcDateTime, nullable=False)
    __table_args__ = (
        UniqueConstraint("customer_id", "org_code", "account_key", "seqno", name="uq_accounts_number"),
    )


class Balance(Base):
    """Balance history: one row per account whenever a sync saw it change."""

    __tablename__ = "balances"
    id = Column(Id, primary_key=True, autoincrement=True)
    account_id = Column(Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    observed_at = Column(UtcDateTime, nullable=False)
    balance = Column(BigInteger, nullable=False)
    __table_args__ = (Index("ix_balances_account_time", "account_id", "observed_at"),
                      Index("ix_balances_customer", "customer_id"))


class Transaction(Base):
    """A deposit-account transaction (bank)."""

    __tablename__ = "transactions"
    id = Column(Id, primary_key=True, autoincrement=True)
    account_id = Column(Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    trans_no = Column(String(40), nullable=False)
    occurred_at = Column(UtcDateTime, nullable=False)
    direction = Column(String(3), nullable=False)  # in | out
    trans_class = Column(String(20), nullable=False, default="")
    memo = Column(String(100), nullable=False, default="")
    amount = Column(BigInteger, nullable=False)
    balance_after = Column(BigInteger)
    merchant = Column(String(50))
    category = Column(String(10))
    __table_args__ = (UniqueConstraint("account_id", "trans_no", name="uq_transactions_key"),
                      Index("ix_transactions_customer_time", "customer_id", "occurred_at"))


class Loan(Base):
    """A bank or capital-company loan with its current state."""

    __tablename__ = "loans"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    account_num = Column(Text, nullable=False)  # as in Account
    account_key = Column(String(40), nullable=False)
    account_masked = Column(String(20), nullable=False, default="")
    prod_name = Column(String(100), nullable=False)
    loan_type = Column(String(6), nullable=False)
    principal = Column(BigInteger, nullable=False)
    balance = Column(BigInteger, nullable=False)
    rate_bp = Column(Integer)
    repay_method = Column(String(4))
    repay_day = Column(Integer)
    opened_on = Column(Date)
    matures_on = Column(Date)
    next_repay_date = Column(Date)
    next_repay_amt = Column(BigInteger)
    overdue_days = Column(Integer, nullable=False, default=0)
    last_trans_at = Column(UtcDateTime)
    closed_at = Column(UtcDateTime)
    updated_at = Column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("customer_id", "org_code", "account_key", name="uq_loans_number"),)


class LoanTransaction(Base):
    """A loan repayment; `overdue_days` > 0 marks one paid late."""

    __tablename__ = "loan_transactions"
    id = Column(Id, primary_key=True, autoincrement=True)
    loan_id = Column(Id, ForeignKey("loans.id", ondelete="CASCADE"), nullable=False)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    trans_no = Column(String(40), nullable=False)
    occurred_at = Column(UtcDateTime, nullable=False)
    amount = Column(BigInteger, nullable=False)
    principal_amt = Column(BigInteger, nullable=False, default=0)
    interest_amt = Column(BigInteger, nullable=False, default=0)
    balance_after = Column(BigInteger)
    due_date = Column(Date)
    overdue_days = Column(Integer, nullable=False, default=0)
    __table_args__ = (UniqueConstraint("loan_id", "trans_no", name="uq_loan_transactions_key"),
                      Index("ix_loan_transactions_customer", "customer_id", "occurred_at"))


class Card(Base):
    __tablename__ = "cards"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    card_id = Column(String(40), nullable=False)
    card_num = Column(String(40), nullable=False)  # masked (mask_number) before it is stored
    card_name = Column(String(100), nullable=False)
    card_type = Column(String(10), nullable=False)  # credit | check
    limit_amt = Column(BigInteger)
    issued_on = Column(Date)
    last_approval_at = Column(UtcDateTime)
    closed_at = Column(UtcDateTime)
    updated_at = Column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("customer_id", "org_code", "card_id", name="uq_cards_key"),)


class CardApproval(Base):
    __tablename__ = "card_approvals"
    id = Column(Id, primary_key=True, autoincrement=True)
    card_pk = Column(Id, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    approved_num = Column(String(40), nullable=False)
    approved_at = Column(UtcDateTime, nullable=False)
    status = Column(String(10), nullable=False)  # approved | cancelled
    cancelled_at = Column(UtcDateTime)
    merchant_name = Column(String(100), nullable=False)
    merchant = Column(String(50))
    category = Column(String(10))
    amount = Column(BigInteger, nullable=False)
    installments = Column(Integer, nullable=False, default=0)
    __table_args__ = (UniqueConstraint("card_pk", "approved_num", name="uq_card_approvals_key"),
                      Index("ix_card_approvals_customer_time", "customer_id", "approved_at"))


class CardBill(Base):
    __tablename__ = "card_bills"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    charge_month = Column(String(6), nullable=False)
    seqno = Column(String(4), nullable=False)
    due_date = Column(Date, nullable=False)
    amount = Column(BigInteger, nullable=False)
    paid_on = Column(Date)
    __table_args__ = (
        UniqueConstraint("customer_id", "org_code", "charge_month", "seqno", name="uq_card_bills_key"),
    )


class InsurancePolicy(Base):
    __tablename__ = "insurance_policies"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    insu_num = Column(Text, nullable=False)  # the policy number, as Account.account_num
    insu_key = Column(String(40), nullable=False)
    insu_masked = Column(String(20), nullable=False, default="")
    prod_name = Column(String(100), nullable=False)
    insu_type = Column(String(4), nullable=False)
    status = Column(String(4), nullable=False)
    issued_on = Column(Date)
    expires_on = Column(Date)
    face_amt = Column(BigInteger)
    premium_amt = Column(BigInteger)
    pay_cycle = Column(String(4))
    pay_day = Column(Integer)
    paid_count = Column(Integer)
    closed_at = Column(UtcDateTime)
    updated_at = Column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("customer_id", "org_code", "insu_key", name="uq_insurance_number"),)


class Holding(Base):
    __tablename__ = "holdings"
    id = Column(Id, primary_key=True, autoincrement=True)
    account_id = Column(Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    customer_id = Column(String(32), nullable=False, index=True)
    org_code = Column(String(10), nullable=False)
    prod_code = Column(String(20), nullable=False)
    prod_name = Column(String(100), nullable=False)
    asset_type = Column(String(4))
    quantity = Column(BigInteger, nullable=False)
    purchase_amt = Column(BigInteger, nullable=False)
    eval_amt = Column(BigInteger, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False)
    __table_args__ = (UniqueConstraint("account_id", "prod_code", name="uq_holdings_key"),)


class SyncRun(Base):
    """One attempt to sync one institution for one customer: what came in, or why it failed."""

    __tablename__ = "sync_runs"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    org_code = Column(String(10), nullable=False)
    consent_id = Column(Id)
    started_at = Column(UtcDateTime, nullable=False)
    finished_at = Column(UtcDateTime)
    status = Column(String(10), nullable=False)  # ok | failed
    error = Column(Text)
    api_calls = Column(Integer, nullable=False, default=0)
    new_transactions = Column(Integer, nullable=False, default=0)
    new_approvals = Column(Integer, nullable=False, default=0)
    __table_args__ = (Index("ix_sync_runs_customer_org", "customer_id", "org_code", "started_at"),)


class SyncCursor(Base):
    """The last `search_timestamp` an institution gave for one list, to ask only for changes."""

    __tablename__ = "sync_cursors"
    customer_id = Column(String(32), primary_key=True)
    org_code = Column(String(10), primary_key=True)
    resource = Column(String(80), primary_key=True)
    search_timestamp = Column(String(14), nullable=False)


class DeletionRecord(Base):
    """Proof that an institution's data was deleted, and why (revoked or expired consent)."""

    __tablename__ = "deletion_records"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False, index=True)
    org_code = Column(String(10), nullable=False)
    consent_id = Column(Id, nullable=False)
    reason = Column(String(20), nullable=False)
    deleted_at = Column(UtcDateTime, nullable=False)
    rows_deleted = Column(Text, nullable=False)  # JSON: table -> count
    remote_revoked = Column(Boolean, nullable=False, default=False)


class DataAccess(Base):
    """One read of a customer's data by the analytics layer: who asked, for what, when, which
    institutions it drew on. Never amounts or account and card numbers."""

    __tablename__ = "data_access_log"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    reader = Column(String(40), nullable=False)
    purpose = Column(String(40), nullable=False)
    org_codes = Column(String(200), nullable=False)
    accessed_at = Column(UtcDateTime, nullable=False)
    __table_args__ = (Index("ix_data_access_customer_time", "customer_id", "accessed_at"),)


# Tables holding one institution's data for one customer, children before parents.
CUSTOMER_DATA_TABLES = (Transaction, Balance, Holding, Account, LoanTransaction, Loan, CardApproval, Card,
                        CardBill, InsurancePolicy, SyncCursor)
