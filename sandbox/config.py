"""What fixes the sandbox's data: the seed, how many generated customers, and 'today'.

History runs from the first day of the month 13 months before `as_of` to 62 days after it; the
sandbox's clock decides how much of it is visible, which is what makes incremental sync testable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.korean.calendar import add_months
from sandbox.demo import DEMO_CUSTOMERS

HISTORY_MONTHS = 13
HORIZON_DAYS = 62


@dataclass(frozen=True)
class SandboxConfig:
    """The demo customers plus `customers` generated ones (`cust-000001`, ...), all seeded by `seed`."""

    seed: int = 20240601
    customers: int = 100
    as_of: date = date(2025, 6, 30)

    @property
    def history_start(self) -> date:
        return add_months(self.as_of.replace(day=1), -HISTORY_MONTHS)

    @property
    def horizon_end(self) -> date:
        return self.as_of + timedelta(days=HORIZON_DAYS)

    def generated_ids(self) -> list[str]:
        return [f"cust-{n:06d}" for n in range(1, self.customers + 1)]

    def customer_ids(self) -> list[str]:
        return list(DEMO_CUSTOMERS) + self.generated_ids()

    def has_customer(self, customer_id: str) -> bool:
        if customer_id in DEMO_CUSTOMERS:
            return True
        if customer_id.startswith("cust-") and customer_id[5:].isdigit() and len(customer_id) == 11:
            return 1 <= int(customer_id[5:]) <= self.customers
        return False
