import pytest

from tests.support.bank import demo_bank
from tests.support.servers import rasa_stack


@pytest.fixture(scope="session")
def rasa(tmp_path_factory):
    """The trained model behind a real Rasa server and a real action server."""
    with rasa_stack(tmp_path_factory.mktemp("rasa")) as stack:
        yield stack


@pytest.fixture(scope="session")
def bank(tmp_path_factory):
    """The demo customers linked and synced through the sandbox, behind real Rasa and action servers."""
    with demo_bank(tmp_path_factory.mktemp("bank")) as stack:
        yield stack
