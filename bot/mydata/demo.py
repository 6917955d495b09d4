"""Demo customers for the chat: fixed ids, linked to most but not all of their institutions.

Each demo customer keeps one institution unlinked so "connect a new institution" can be shown.
Running `setup_demo` again links nothing twice and stores nothing twice.
"""
from __future__ import annotations

from datetime import datetime
from typing import AbstractSet

from sqlalchemy.engine import Engine

from bot.mydata.client import MyDataClient
from bot.mydata.consent import active_consents, grant_consents, register_customer
from bot.mydata.db import session_scope
from bot.mydata.sandbox.generator import DEMO_CUSTOMERS
from bot.mydata.sync import CustomerSyncResult, sync_customers

DEMO_UNLINKED = {
    "demo-salaried": "C0020001",  # 신한카드
    "demo-student": "S0030007",  # 토스증권
    "demo-shop": "C0020002",  # 삼성카드
    "demo-retiree": "I0040004",  # 삼성화재
}

DEMO_PERSONAS = {
    "demo-salaried": "김지훈, 34, 서울 마포구 직장인: KB국민은행 급여통장·신용대출, 카카오뱅크 적금·파킹통장, "
                     "현대카드(주 카드), 신한카드(미연결), 키움증권, 삼성생명 실손·종신, 현대캐피탈 오토할부",
    "demo-student": "이서연, 21, 대학생(thin filer): 토스뱅크 입출금(용돈·알바), KB국민은행 용돈통장, "
                    "KB국민카드 체크카드, 토스증권(미연결)",
    "demo-shop": "박영수, 52, 부산 분식집 사장: IBK기업은행 사업자통장·운영자금대출(연체 중), NH농협은행 개인통장, "
                 "BC카드, 삼성카드(미연결), 현대해상 화재보험, KB캐피탈 사업자 신용대출(연체 이력)",
    "demo-retiree": "최순자, 68, 은퇴자: 우리은행 연금통장·정기예금, NH농협은행 정기예금, 롯데카드, "
                    "미래에셋증권, 교보생명 연금보험, 삼성화재 실손(미연결)",
}


async def link_customer(engine: Engine, client: MyDataClient, portal_url: str, customer_id: str,
                        leave_out: AbstractSet[str] = frozenset(), now: datetime | None = None) -> list[str]:
    """Registers the customer and consents to every institution holding their assets except `leave_out`
    and those already linked; returns the org codes newly linked."""
    orgs = await register_customer(engine, client, portal_url, customer_id)
    with session_scope(engine) as session:
        linked = {c.org_code for c in active_consents(session, customer_id, now)}
    todo = [org for org in orgs if org not in linked and org not in leave_out]
    if todo:
        await grant_consents(engine, client, customer_id, todo, now=now)
    return todo


async def setup_demo(engine: Engine, client: MyDataClient, portal_url: str, now: datetime | None = None
                     ) -> list[CustomerSyncResult]:
    for customer_id in DEMO_CUSTOMERS:
        await link_customer(engine, client, portal_url, customer_id, {DEMO_UNLINKED[customer_id]}, now)
    return await sync_customers(engine, client, list(DEMO_CUSTOMERS), now=now)
