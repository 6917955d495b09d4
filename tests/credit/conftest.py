import pytest

from bot.credit.train import train_production_model

SUBSAMPLE = 2500


@pytest.fixture(scope="session")
def small_artifact():
    """A production-style model fitted on a stratified subsample: same code, seconds to fit."""
    return train_production_model(subsample=SUBSAMPLE, log=lambda message: None)
