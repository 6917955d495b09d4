"""Which kinds of alert a customer wants: "카드값 알림 꺼줘", "지출 알림 다시 켜줘", "알림 전부 꺼줘".
A kind turned off is not stored in the inbox at all (nor sent); turning it on again applies from
the next sync."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.insights.models import AlertPreference

GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # name: (how it reads, words that mean it, kinds)
    "payment_due": (
        "결제 예정",
        ("카드값", "카드 값", "카드대금", "결제일", "결제 예정", "납부", "상환일"),
        ("payment_due",),
    ),
    "balance_watch": ("잔액 부족", ("잔액", "잔고", "마이너스"), ("balance_watch",)),
    "recurring": (
        "정기결제 변동",
        ("구독", "정기결제", "정기 결제", "자동이체"),
        ("recurring_up", "recurring_new", "recurring_stopped"),
    ),
    "duplicate_charge": ("중복 결제", ("중복",), ("duplicate_charge",)),
    "spending_spike": ("지출 급증", ("지출", "소비", "과소비", "많이 쓴"), ("spending_spike",)),
    "loan_overdue": ("대출 연체", ("연체",), ("loan_overdue",)),
    "consent_expiring": ("동의 만료", ("동의", "만료"), ("consent_expiring",)),
}
ALL_WORDS = ("전부", "모든", "모두", "전체", "다 꺼", "다 켜", "싹")
OFF_WORDS = (
    "꺼",
    "끄",
    "끈",
    "끌",
    "그만",
    "받지 않",
    "안 받",
    "안받",
    "중지",
    "해제",
    "보내지 마",
    "보내지마",
    "필요 없",
    "필요없",
)
ON_WORDS = ("켜", "다시 받", "받을래", "받고 싶", "보내줘", "보내 줘", "알려줘")


@dataclass(frozen=True)
class PreferenceRequest:
    groups: tuple[str, ...]  # empty: not said which
    enable: bool | None  # None: not said on or off


def switch_said(
    text: str, off_words: tuple[str, ...] = OFF_WORDS, on_words: tuple[str, ...] = ON_WORDS
) -> bool | None:
    """On (True), off (False) or unsaid (None); with both, the later word wins, as the verb comes
    last in Korean ("방금 끈 거 다시 켜줘" is on)."""
    off = max((text.rfind(w) for w in off_words), default=-1)
    on = max((text.rfind(w) for w in on_words), default=-1)
    if off < 0 and on < 0:
        return None
    return on > off


def parse(text: str) -> PreferenceRequest:
    text = text or ""
    groups = tuple(GROUPS) if any(w in text for w in ALL_WORDS) else tuple(
        name for name, (_, words, _) in GROUPS.items() if any(w in text for w in words))
    return PreferenceRequest(groups, switch_said(text))


def set_enabled(
    session: Session, customer_id: str, groups: tuple[str, ...], enabled: bool, now: datetime
) -> None:
    for group in groups:
        for kind in GROUPS[group][2]:
            row = session.get(AlertPreference, (customer_id, kind))
            if row is None:
                session.add(
                    AlertPreference(customer_id=customer_id, kind=kind, enabled=int(enabled), updated_at=now)
                )
            else:
                row.enabled, row.updated_at = int(enabled), now


def disabled_kinds(session: Session, customer_id: str) -> set[str]:
    return set(session.execute(select(AlertPreference.kind).where(
        AlertPreference.customer_id == customer_id, AlertPreference.enabled == 0)).scalars())


def describe(groups: tuple[str, ...]) -> str:
    if set(groups) == set(GROUPS):
        return "모든"
    return ", ".join(GROUPS[g][0] for g in groups)

