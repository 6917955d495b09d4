import pytest

from tests.support.servers import rasa_stack


@pytest.fixture(scope="session")
def rasa(tmp_path_factory):
    """The trained model behind a real Rasa server and a real action server."""
    with rasa_stack(tmp_path_factory.mktemp("rasa")) as stack:
        yield stack
