"""The versioned production artifact: model, feature list, training metrics, data hash.

Two files in the model directory: ``credit_model.joblib`` (the pickled
:class:`CreditArtifact`) and ``credit_model.json`` (its metadata, readable without
unpickling). Loading refuses an artifact of another format version or another
scikit-learn version, since pickled estimators are only valid for the version that wrote
them; the fix is always ``python -m bot.credit train``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib
import sklearn

ARTIFACT_FORMAT = 1
MODEL_FILE = "credit_model.joblib"
META_FILE = "credit_model.json"


class ArtifactError(Exception):
    """The artifact is missing, unreadable or inconsistent."""


class ArtifactVersionError(ArtifactError):
    """The artifact was written by another format or scikit-learn version."""


@dataclass
class CreditArtifact:
    model: Any
    model_version: str
    raw_columns: list
    feature_names: list
    reference: dict
    training_metrics: dict
    data_hash: str
    params: dict
    created_at: str
    format_version: int = ARTIFACT_FORMAT
    sklearn_version: str = field(default_factory=lambda: sklearn.__version__)

    def metadata(self) -> dict:
        meta = asdict(self)
        meta.pop("model")
        return meta


def save_artifact(artifact: CreditArtifact, directory) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    joblib.dump(artifact, model_path)
    (directory / META_FILE).write_text(json.dumps(artifact.metadata(), ensure_ascii=False, indent=2) + "\n")
    return model_path


def _check_versions(meta: dict, where: Path) -> None:
    if meta.get("format_version") != ARTIFACT_FORMAT:
        raise ArtifactVersionError(
            f"{where}: artifact format {meta.get('format_version')!r}, this code reads {ARTIFACT_FORMAT}; "
            "retrain with `python -m bot.credit train`"
        )
    if meta.get("sklearn_version") != sklearn.__version__:
        raise ArtifactVersionError(
            f"{where}: written with scikit-learn {meta.get('sklearn_version')!r}, running "
            f"{sklearn.__version__}; retrain with `python -m bot.credit train`"
        )


def load_artifact(directory) -> CreditArtifact:
    directory = Path(directory)
    meta_path, model_path = directory / META_FILE, directory / MODEL_FILE
    if not meta_path.exists() or not model_path.exists():
        raise FileNotFoundError(f"no credit model in {directory}; run `python -m bot.credit train`")
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{meta_path}: unreadable metadata ({exc})") from exc
    _check_versions(meta, meta_path)
    artifact = joblib.load(model_path)
    if not isinstance(artifact, CreditArtifact):
        raise ArtifactError(f"{model_path}: not a CreditArtifact")
    _check_versions(artifact.metadata(), model_path)
    if artifact.model_version != meta.get("model_version"):
        raise ArtifactError(
            f"{directory}: model file is {artifact.model_version}, metadata says {meta.get('model_version')}"
        )
    return artifact
