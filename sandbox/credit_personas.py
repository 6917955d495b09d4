"""Four credit profiles for the scorer's tests and benchmark (and the README's table of their scores):
a clean salaried worker, a delinquent thin filer, a young borrower with three loans, and a customer
who shared only a salary. Not the chat's demo customers (`sandbox.demo`): these are `CreditProfile`s
written by hand, not books the sandbox generates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from bot.credit.profile import CreditProfile, LoanApplication, LoanRecord

AS_OF = date(2025, 6, 30)


@dataclass(frozen=True)
class CreditPersona:
    name: str
    description: str
    profile: CreditProfile
    request: Optional[LoanApplication]


CREDIT_PERSONAS = {
    "salaried_no_debt": CreditPersona(
        name="salaried_no_debt",
        description="7년차 직장인, 월급 450만 원, 대출 없음, 카드는 한도의 6%만 사용, 연체 없음",
        profile=CreditProfile(
            monthly_salary=4_500_000,
            employment_months=84,
            loans=[],
            card_limit_total=15_000_000,
            card_spending_3m=[800_000, 950_000, 700_000],
            delinquencies_24m=0,
            inquiries_6m=0,
            inquiries_12m=1,
            finance_inquiries=0,
            as_of=AS_OF,
        ),
        request=LoanApplication(amount=20_000_000, term_months=36, purpose="생활비"),
    ),
    "thin_filer_delinquent": CreditPersona(
        name="thin_filer_delinquent",
        description="입사 8개월, 월급 180만 원, 5개월 전 받은 소액대출 연체 중, 카드 한도 거의 소진",
        profile=CreditProfile(
            monthly_salary=1_800_000,
            employment_months=8,
            loans=[
                LoanRecord(
                    opened=date(2025, 1, 20),
                    principal=3_000_000,
                    balance=2_800_000,
                    delinquent_days=45,
                    rate_percent=17.9,
                    institution_kind="capital",
                )
            ],
            card_limit_total=2_000_000,
            card_spending_3m=[1_700_000, 1_900_000, 1_850_000],
            delinquencies_24m=2,
            inquiries_6m=3,
            inquiries_12m=5,
            finance_inquiries=3,
            as_of=AS_OF,
        ),
        request=LoanApplication(amount=10_000_000, term_months=60, purpose="대환"),
    ),
    "young_borrower": CreditPersona(
        name="young_borrower",
        description="재직 2년 반, 월급 300만 원, 자동차·신용대출과 마이너스통장 이용 중, 연체 없음",
        profile=CreditProfile(
            monthly_salary=3_000_000,
            employment_months=30,
            loans=[
                LoanRecord(opened=date(2024, 8, 10), principal=20_000_000, balance=17_000_000, institution_kind="capital"),
                LoanRecord(opened=date(2023, 10, 5), principal=10_000_000, balance=6_000_000, institution_kind="bank"),
                LoanRecord(
                    opened=date(2024, 3, 1), principal=5_000_000, balance=2_500_000, installment=False, institution_kind="bank"
                ),
            ],
            card_limit_total=8_000_000,
            card_spending_3m=[3_500_000, 4_000_000, 3_700_000],
            delinquencies_24m=0,
            inquiries_6m=1,
            inquiries_12m=2,
            finance_inquiries=1,
            as_of=AS_OF,
        ),
        request=LoanApplication(amount=15_000_000, term_months=36, purpose="자동차"),
    ),
    "salary_only": CreditPersona(
        name="salary_only",
        description="급여 계좌만 연결한 고객: 월급 350만 원 외에는 정보 없음, 신청 내용 없음",
        profile=CreditProfile(monthly_salary=3_500_000, as_of=AS_OF),
        request=None,
    ),
}
