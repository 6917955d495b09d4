"""Typed errors of the MyData layer, so callers can answer the customer instead of crashing."""
from __future__ import annotations


class MyDataError(Exception):
    """Base of every error this package raises on purpose."""


class MissingClientSecret(MyDataError):
    """No client secret with the institutions in the environment (bot.mydata.credentials)."""

    def __init__(self, variable: str, min_length: int):
        super().__init__(
            f"set {variable} (at least {min_length} characters), the secret the institutions issued to "
            "this aggregator; ./run.sh keeps a development one in var/mydata_client_secret"
        )


class StoreNotReady(MyDataError):
    """The database has no MyData schema yet (run `python -m bot.mydata init-db`)."""


class UnknownCustomer(MyDataError):
    def __init__(self, customer_id: str):
        super().__init__(f"unknown customer: {customer_id!r}")
        self.customer_id = customer_id


class UnknownInstitution(MyDataError):
    def __init__(self, org: str):
        super().__init__(f"unknown institution: {org!r}")
        self.org = org


class ConsentRequired(MyDataError):
    """No active consent covers what was asked: nothing is fetched or answered."""

    def __init__(self, customer_id: str, org_code: str | None = None, scope: str | None = None):
        where = f" for {org_code}" if org_code else ""
        what = f" (scope {scope})" if scope else ""
        super().__init__(f"customer {customer_id!r} has no active consent{where}{what}")
        self.customer_id = customer_id
        self.org_code = org_code
        self.scope = scope


class InvalidQuery(MyDataError):
    """A caller passed an argument that cannot be answered (bad period, negative amount, ...)."""


class ApiError(MyDataError):
    """An institution answered with a non-success rsp_code."""

    def __init__(self, org_code: str, path: str, rsp_code: str, rsp_msg: str, http_status: int = 0):
        super().__init__(f"{org_code} {path}: {rsp_code} {rsp_msg} (HTTP {http_status})")
        self.org_code = org_code
        self.path = path
        self.rsp_code = rsp_code
        self.rsp_msg = rsp_msg
        self.http_status = http_status


class InstitutionUnavailable(ApiError):
    """Retries were exhausted on timeouts, connection errors, 5xx or rate limits."""


class ConsentRejected(ApiError):
    """The institution says the token or consent is no longer valid (revoked, scope missing)."""
