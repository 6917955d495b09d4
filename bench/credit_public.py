"""Do the fuzzy SVMs' defaults hold on credit data they have never seen?

Run through ``bench/credit.py --datasets ...``. For every public data set of
:mod:`credit_datasets` (a stratified subsample of at most ``max_rows`` rows, fixed
seed), stratified k-fold CV with the same folds for every method; the generic
preprocessing is fitted on each fold's training part. Methods, all with their library
defaults and nothing tuned per data set:

- IEFSVM and EFSVM: ``IEFSVMClassifier()`` / ``EFSVMClassifier()`` (kernel, C, gamma
  and EFSVM's k chosen inside ``fit`` on the training part only);
- balanced logistic regression: ``LogisticRegression(class_weight="balanced")``;
- balanced RBF SVC: ``SVC(class_weight="balanced")``.

AUC of each method's decision values on the held-out part; per data set mean ± std
over folds, then the mean over data sets and the paired IEFSVM differences.

With several seeds (``--seeds``) the whole protocol is repeated per seed: a new
stratified subsample where a set has more rows than ``max_rows`` and new folds. One
seed's 30 folds cannot resolve the differences in question (a few 0.001 of AUC, with
a per-fold std of the difference near 0.012); the repeats shrink that noise by the
square root of their number, and the per-seed means show how far one split can
mislead.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Dict, Sequence

import numpy as np
from credit_datasets import generic_preprocessor, load_dataset
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from bot.credit.fuzzy_svm import EFSVMClassifier, IEFSVMClassifier

PUBLIC_METHODS = ("IEFSVM", "EFSVM", "LogReg (balanced)", "SVC (balanced)")
PREVIOUS_DEFAULTS = "IEFSVM (previous defaults)"


def make_method(name: str, seed: int):
    if name == "IEFSVM":
        return IEFSVMClassifier(random_state=seed)
    if name == "EFSVM":
        return EFSVMClassifier(random_state=seed)
    if name == PREVIOUS_DEFAULTS:
        return IEFSVMClassifier(scale_C=None, random_state=seed)
    if name == "LogReg (balanced)":
        return LogisticRegression(class_weight="balanced", max_iter=5000)
    if name == "SVC (balanced)":
        return SVC(class_weight="balanced")
    raise ValueError(f"unknown method {name!r}; choose from {PUBLIC_METHODS + (PREVIOUS_DEFAULTS,)}")


def chosen_settings(model) -> dict:
    """What a fuzzy SVM chose inside ``fit`` (empty for the baselines)."""
    names = ("kernel_", "C_", "gamma_", "k_")
    return {
        n.rstrip("_"): (round(v, 5) if isinstance(v, float) else v)
        for n in names
        if (v := getattr(model, n, None)) is not None
    }


def run_fold(name, X, y, train, test, methods, seed):
    prep = generic_preprocessor().fit(X.iloc[train])
    X_train, X_test = prep.transform(X.iloc[train]), prep.transform(X.iloc[test])
    out = {}
    for method in methods:
        started = time.perf_counter()
        model = make_method(method, seed).fit(X_train, y[train])
        fit_s = time.perf_counter() - started
        auc = roc_auc_score(y[test], model.decision_function(X_test))
        out[method] = {"auc": float(auc), "fit_s": fit_s, "settings": chosen_settings(model)}
    print(
        f"{name}: fold done, " + ", ".join(f"{m} {v['auc']:.4f} ({v['fit_s']:.1f}s)" for m, v in out.items()),
        file=sys.stderr,
        flush=True,
    )
    return name, out


def _mean_std(values) -> dict:
    values = np.asarray(values, dtype=float)
    return {
        "mean": round(float(values.mean()), 4),
        "std": round(float(values.std(ddof=1)), 4) if len(values) > 1 else 0.0,
    }


def run_public(
    names: Sequence[str],
    max_rows: int,
    folds: int,
    seed: int,
    n_jobs: int,
    methods: Sequence[str] = PUBLIC_METHODS,
    log: Callable[[str], None] = print,
) -> dict:
    data = {}
    tasks = []
    for name in names:
        X, y = load_dataset(name, max_rows, seed)
        data[name] = {"n": int(len(y)), "n_bad": int(y.sum()), "raw_columns": int(X.shape[1])}
        log(f"{name}: {len(y)} rows, {int(y.sum())} bad, {X.shape[1]} columns")
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
            tasks.append((name, X, y, train, test))
    results = Parallel(n_jobs=n_jobs, verbose=0)(
        delayed(run_fold)(name, X, y, train, test, methods, seed) for name, X, y, train, test in tasks
    )
    per_set: Dict[str, Dict[str, list]] = {name: {m: [] for m in methods} for name in names}
    for name, out in results:
        for method, fold in out.items():
            per_set[name][method].append(fold)
    summary = {}
    for name in names:
        entry = dict(data[name])
        for method in methods:
            folds_ = per_set[name][method]
            entry[method] = {
                "auc": _mean_std([f["auc"] for f in folds_]),
                "fit_s": round(float(np.mean([f["fit_s"] for f in folds_])), 2),
            }
            if folds_[0]["settings"]:
                entry[method]["settings"] = [f["settings"] for f in folds_]
        summary[name] = entry
        log(f"{name}: " + ", ".join(f"{m} {entry[m]['auc']['mean']:.4f}" for m in methods))
    mean_auc = {m: round(float(np.mean([summary[n][m]["auc"]["mean"] for n in names])), 4) for m in methods}
    mean_fit_s = {
        m: round(float(np.mean([f["fit_s"] for n in names for f in per_set[n][m]])), 2) for m in methods
    }
    result = {"datasets": summary, "mean_auc": mean_auc, "mean_fit_s": mean_fit_s}
    if "IEFSVM" in methods:
        result["iefsvm_minus"] = {m: paired_difference(per_set, names, m) for m in methods if m != "IEFSVM"}
    result["fold_auc"] = {n: {m: [round(f["auc"], 5) for f in per_set[n][m]] for m in methods} for n in names}
    return result


def run_public_seeds(
    names: Sequence[str],
    max_rows: int,
    folds: int,
    seeds: Sequence[int],
    n_jobs: int,
    methods: Sequence[str] = PUBLIC_METHODS,
    log: Callable[[str], None] = print,
) -> dict:
    """:func:`run_public` once per seed; means over seeds and differences paired over every fold."""
    runs = {s: run_public(names, max_rows, folds, s, n_jobs, methods=methods, log=log) for s in seeds}
    if len(runs) == 1:
        return next(iter(runs.values()))

    def every_fold(name, method):
        return [{"auc": a} for run in runs.values() for a in run["fold_auc"][name][method]]

    per_set = {n: {m: every_fold(n, m) for m in methods} for n in names}

    def over_seeds(key, digits):
        return {m: round(float(np.mean([run[key][m] for run in runs.values()])), digits) for m in methods}

    summary = {}
    for name in names:
        first = runs[seeds[0]]["datasets"][name]
        entry = {"n": first["n"], "n_bad": first["n_bad"], "raw_columns": first["raw_columns"]}
        for method in methods:
            entry[method] = {"auc": _mean_std([f["auc"] for f in per_set[name][method]])}
        summary[name] = entry
    result = {
        "seeds": list(seeds),
        "datasets": summary,
        "mean_auc": over_seeds("mean_auc", 4),
        "mean_auc_per_seed": {m: {s: run["mean_auc"][m] for s, run in runs.items()} for m in methods},
        "mean_fit_s": over_seeds("mean_fit_s", 2),
    }
    if "IEFSVM" in methods:
        others = [m for m in methods if m != "IEFSVM"]
        result["iefsvm_minus"] = {m: paired_difference(per_set, names, m) for m in others}
        result["iefsvm_minus_per_seed"] = {
            m: {s: run["iefsvm_minus"][m]["mean"] for s, run in runs.items()} for m in others
        }
    return result


def paired_difference(per_set, names, other: str) -> dict:
    """IEFSVM minus ``other``: mean of the per-set mean differences, the std of the
    per-fold differences over all sets' folds, and how many sets and folds IEFSVM wins."""
    by_set = {
        n: np.array([a["auc"] - b["auc"] for a, b in zip(per_set[n]["IEFSVM"], per_set[n][other])])
        for n in names
    }
    folds = np.concatenate(list(by_set.values()))
    return {
        "mean": round(float(np.mean([d.mean() for d in by_set.values()])), 4),
        "fold_std": round(float(folds.std(ddof=1)), 4),
        "sets_won": int(sum(d.mean() >= 0 for d in by_set.values())),
        "folds_won": f"{int((folds >= 0).sum())}/{len(folds)}",
    }


def markdown_table(result: dict) -> str:
    methods = list(result["mean_auc"])
    lines = ["| data set | rows (bad) | " + " | ".join(methods) + " |", "|---|---|" + "---|" * len(methods)]
    for name, entry in result["datasets"].items():
        cells = [f"{entry[m]['auc']['mean']:.4f} ± {entry[m]['auc']['std']:.4f}" for m in methods]
        lines.append(f"| {name} | {entry['n']} ({entry['n_bad']}) | " + " | ".join(cells) + " |")
    lines.append("| **mean** | | " + " | ".join(f"**{result['mean_auc'][m]:.4f}**" for m in methods) + " |")
    for seed in result.get("mean_auc_per_seed", {}).get(methods[0], ()):
        cells = [f"{result['mean_auc_per_seed'][m][seed]:.4f}" for m in methods]
        lines.append(f"| mean, seed {seed} | | " + " | ".join(cells) + " |")
    lines.append(
        "| fit s, mean per fold | | " + " | ".join(f"{result['mean_fit_s'][m]:.2f}" for m in methods) + " |"
    )
    return "\n".join(lines)
