"""How far can any choice of SVM settings take IEFSVM on the public credit sets?

    .venv/bin/python bench/credit_settings_study.py --seeds 0 1 2 3 4   # ~10 min on 2 cores

For every outer fold of ``bench/credit.py --datasets`` (same subsamples, folds and
preprocessing per seed) and every setting of a grid wider than the estimator's own
(:data:`WIDE_GRID`), with IEFSVM's memberships and with plain class weights (entropy
off): the held-out AUC, and the 3-fold inner CV AUC on the training part. From those:

- ``hindsight``: per data set, the one setting with the best mean held-out AUC, picked
  with the test folds in view. No rule that chooses on the training data can beat it on
  average, so it bounds every selection rule on this grid;
- ``argmax``: the setting with the best inner CV AUC, per fold (the estimator's rule
  on the wider grid);
- balanced logistic regression on the same folds, the goal.

Prints a per-set table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from credit_datasets import DEFAULT_DATASETS, generic_preprocessor, load_dataset  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from bot.credit import svm_search  # noqa: E402
from bot.credit.fuzzy_svm import IEFSVMClassifier  # noqa: E402

LINEAR_C = (0.01, 0.1, 1.0, 10.0)
RBF_C = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
GAMMA_FACTORS = (0.03, 0.1, 0.3, 1.0)
WEIGHTINGS = {"entropy": IEFSVMClassifier(), "plain": IEFSVMClassifier(k_values=(1,))}


def wide_grid(Z) -> list:
    scale = svm_search.scale_gamma(Z)
    grid = [{"kernel": "linear", "C": c, "gamma": scale} for c in LINEAR_C]
    grid += [{"kernel": "rbf", "C": c, "gamma": f * scale} for c in RBF_C for f in GAMMA_FACTORS]
    return grid


def grid_labels() -> list:
    return [f"linear C={c}" for c in LINEAR_C] + [
        f"rbf C={c} gamma={f}x scale" for c in RBF_C for f in GAMMA_FACTORS
    ]


def study_fold(name, X_train, y_train, X_test, y_test, seed, fold):
    """Held-out and inner-CV AUC of every grid setting, per weighting; and the LR's AUC."""
    X = np.vstack([X_train, X_test])
    y = np.concatenate([y_train, y_test]).astype(bool)
    train, test = np.arange(len(y_train)), np.arange(len(y_train), len(y))
    grid = wide_grid(StandardScaler().fit_transform(X_train))
    out = {"set": name, "seed": seed}
    for weighting, estimator in WEIGHTINGS.items():
        held_out = svm_search.fold_scores(
            X, y, train, test, grid, estimator._search_weights, estimator._svm_for
        )
        inner_split = StratifiedKFold(3, shuffle=True, random_state=seed * 100 + fold)
        inner = [
            svm_search.fold_scores(
                X_train, y_train.astype(bool), a, b, grid, estimator._search_weights, estimator._svm_for
            )
            for a, b in inner_split.split(X_train, y_train)
        ]
        out[weighting] = {"held_out": held_out, "inner": np.mean(inner, axis=0).tolist()}
    lr = LogisticRegression(class_weight="balanced", max_iter=5000).fit(X_train, y_train)
    out["lr"] = float(roc_auc_score(y_test, lr.decision_function(X_test)))
    return out


def folds(seeds, max_rows):
    for seed in seeds:
        for name in DEFAULT_DATASETS:
            X, y = load_dataset(name, max_rows, seed)
            for fold, (train, test) in enumerate(
                StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)
            ):
                prep = generic_preprocessor().fit(X.iloc[train])
                yield (
                    name,
                    prep.transform(X.iloc[train]),
                    y[train],
                    prep.transform(X.iloc[test]),
                    y[test],
                    seed,
                    fold,
                )


def summarize(rows) -> dict:
    labels = grid_labels()
    names = list(dict.fromkeys(r["set"] for r in rows))
    result = {"lr": {}, "hindsight": {}, "argmax": {}, "best_one_setting": {}}
    for name in names:
        mine = [r for r in rows if r["set"] == name]
        result["lr"][name] = round(float(np.mean([r["lr"] for r in mine])), 4)
        for weighting in WEIGHTINGS:
            held = np.array([r[weighting]["held_out"] for r in mine])
            chosen = [r[weighting]["held_out"][int(np.argmax(r[weighting]["inner"]))] for r in mine]
            best = int(np.argmax(held.mean(axis=0)))
            result["hindsight"].setdefault(weighting, {})[name] = {
                "auc": round(float(held.mean(axis=0)[best]), 4),
                "setting": labels[best],
            }
            result["argmax"].setdefault(weighting, {})[name] = round(float(np.mean(chosen)), 4)
    for weighting in WEIGHTINGS:
        per_setting = np.mean(
            [np.mean([r[weighting]["held_out"] for r in rows if r["set"] == n], axis=0) for n in names],
            axis=0,
        )
        best = int(np.argmax(per_setting))
        result["best_one_setting"][weighting] = {
            "auc": round(float(per_setting[best]), 4),
            "setting": labels[best],
        }
    result["mean"] = {
        "lr": round(float(np.mean(list(result["lr"].values()))), 4),
        **{
            f"hindsight_{w}": round(float(np.mean([v["auc"] for v in result["hindsight"][w].values()])), 4)
            for w in WEIGHTINGS
        },
        **{f"argmax_{w}": round(float(np.mean(list(result["argmax"][w].values()))), 4) for w in WEIGHTINGS},
    }
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    rows = Parallel(n_jobs=args.n_jobs)(
        delayed(study_fold)(*task) for task in folds(args.seeds, args.max_rows)
    )
    result = summarize(rows)
    print(
        "| data set | LogReg (balanced) | IEFSVM hindsight | IEFSVM argmax | plain hindsight | plain argmax |"
    )
    print("|---|---|---|---|---|---|")
    for name, lr in result["lr"].items():
        h, p = result["hindsight"]["entropy"][name], result["hindsight"]["plain"][name]
        chosen = result["argmax"]["entropy"][name], result["argmax"]["plain"][name]
        print(
            f"| {name} | {lr:.4f} | {h['auc']:.4f} ({h['setting']}) | {chosen[0]:.4f} "
            f"| {p['auc']:.4f} ({p['setting']}) | {chosen[1]:.4f} |"
        )
    m = result["mean"]
    print(
        f"| **mean** | **{m['lr']:.4f}** | **{m['hindsight_entropy']:.4f}** | **{m['argmax_entropy']:.4f}** "
        f"| **{m['hindsight_plain']:.4f}** | **{m['argmax_plain']:.4f}** |"
    )
    print()
    print(json.dumps(dict(result, seeds=args.seeds, max_rows=args.max_rows), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
