"""The demo customers, in one place: who they are, where they bank, and what the page shows.

The generator builds each one's book from `institutions` (in place of the random choices a
generated customer of the same persona gets); each keeps `unlinked` unlinked, so "connect a new
institution" can be shown. The web page's picker and `python -m sandbox tokens` list them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union


@dataclass(frozen=True)
class DemoCustomer:
    customer_id: str  # demo-<persona>
    name: str
    birth_year: int
    region: str
    description: str  # the picker's line under the name
    # the persona script's choices by role: main, second (banks), cards, securities, insurers, capital
    institutions: Mapping[str, Union[str, tuple[str, ...]]]
    unlinked: str  # org code of the institution left unlinked

    @property
    def persona(self) -> str:
        return self.customer_id.split("-", 1)[1]


_CUSTOMERS = (
    DemoCustomer(
        "demo-salaried", "김지훈", 1991, "서울 마포구",
        "34, 서울 마포구 직장인: KB국민은행 급여통장·신용대출, 카카오뱅크 적금·파킹통장, "
        "현대카드(주 카드), 신한카드(미연결), 키움증권, 삼성생명 실손·종신, 현대캐피탈 오토할부",
        {"main": "KB국민은행", "second": "카카오뱅크", "cards": ("현대카드", "신한카드"), "securities": "키움증권",
         "insurers": ("삼성생명",), "capital": "현대캐피탈"},
        unlinked="C0020001"),  # 신한카드
    DemoCustomer(
        "demo-student", "이서연", 2004, "서울 서대문구",
        "21, 대학생(thin filer): 토스뱅크 입출금(용돈·알바), KB국민은행 용돈통장, "
        "KB국민카드 체크카드, 토스증권(미연결)",
        {"main": "토스뱅크", "second": "KB국민은행", "cards": ("KB국민카드",), "securities": "토스증권"},
        unlinked="S0030007"),  # 토스증권
    DemoCustomer(
        "demo-shop", "박영수", 1973, "부산 해운대구",
        "52, 부산 분식집 사장: IBK기업은행 사업자통장·운영자금대출(연체 중), NH농협은행 개인통장, "
        "BC카드, 삼성카드(미연결), 현대해상 화재보험, KB캐피탈 사업자 신용대출(연체 이력)",
        {"main": "IBK기업은행", "second": "NH농협은행", "cards": ("BC카드", "삼성카드"), "insurers": ("현대해상",),
         "capital": "KB캐피탈"},
        unlinked="C0020002"),  # 삼성카드
    DemoCustomer(
        "demo-retiree", "최순자", 1957, "서울 노원구",
        "68, 은퇴자: 우리은행 연금통장·정기예금, NH농협은행 정기예금, 롯데카드, "
        "미래에셋증권, 교보생명 연금보험, 삼성화재 실손(미연결)",
        {"main": "우리은행", "second": "NH농협은행", "cards": ("롯데카드",), "securities": "미래에셋증권",
         "insurers": ("교보생명", "삼성화재")},
        unlinked="I0040004"),  # 삼성화재
)
DEMO_CUSTOMERS: Mapping[str, DemoCustomer] = {c.customer_id: c for c in _CUSTOMERS}
