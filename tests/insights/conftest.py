"""The sandbox and a real store, as the task-queue tests have them."""
from tests.tasks.conftest import healthy_sandbox, sandbox, sandbox_config, store  # noqa: F401  (fixtures)
