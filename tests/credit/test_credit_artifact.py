import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.credit.artifact import ARTIFACT_FORMAT, META_FILE, ArtifactVersionError, load_artifact, save_artifact
from bot.credit.features import RAW_COLUMNS, load_lending_club

ROOT = Path(__file__).resolve().parents[2]


def test_round_trip_gives_identical_predictions(small_artifact, tmp_path):
    save_artifact(small_artifact, tmp_path)
    loaded = load_artifact(tmp_path)
    raw, _, _ = load_lending_club()
    sample = raw.iloc[:200]
    np.testing.assert_array_equal(
        loaded.model.predict_proba(sample), small_artifact.model.predict_proba(sample)
    )
    assert loaded.model_version == small_artifact.model_version
    assert loaded.data_hash == small_artifact.data_hash and len(loaded.data_hash) == 64
    assert loaded.raw_columns == list(RAW_COLUMNS)
    assert "int_rate" not in loaded.raw_columns and "sub_grade" not in loaded.raw_columns
    assert len(loaded.feature_names) == loaded.model.named_steps["model"].n_features_in_


def test_training_metrics_are_recorded(small_artifact):
    metrics = small_artifact.training_metrics
    assert metrics["n_loans"] == 2500
    assert 0.55 < metrics["oof_auc"] < 0.85
    assert metrics["train_auc"] >= metrics["oof_auc"] - 0.02


@pytest.mark.parametrize(
    "field, value",
    [("format_version", ARTIFACT_FORMAT + 1), ("sklearn_version", "0.24.2")],
)
def test_loading_refuses_another_version(small_artifact, tmp_path, field, value):
    save_artifact(small_artifact, tmp_path)
    meta_path = tmp_path / META_FILE
    meta = json.loads(meta_path.read_text())
    meta[field] = value
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactVersionError, match="python -m bot.credit train"):
        load_artifact(tmp_path)


def test_missing_artifact_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m bot.credit train"):
        load_artifact(tmp_path / "nothing-here")


def test_train_command_writes_a_loadable_artifact(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "bot.credit", "train", "--out", str(tmp_path), "--subsample", "800"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "[4/4]" in completed.stdout
    assert "calibration fold 3" in completed.stderr
    artifact = load_artifact(tmp_path)
    assert artifact.training_metrics["n_loans"] == 800
