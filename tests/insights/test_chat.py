"""What "알림 보여줘" and "매일 업데이트해줘" answer, on a real store: most important first, read
kept, nobody sees another's alerts; the cycle understood from the words, bounded, per customer."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.insights.chat import change_cycle, cycle_days_from_text, show_alerts
from bot.insights.detectors import AlertDraft
from bot.insights.inbox import inbox, store_alerts
from bot.insights.models import CustomerActivity, SyncSchedule
from bot.mydata.store.db import session_scope
from bot.tasks.schedule import refresh_schedules
from tests.tasks.conftest import NOW, link, run


def _draft(kind: str, severity: int, text: str) -> AlertDraft:
    return AlertDraft(kind, severity, f"{kind}:{text}", {}, text, "보기", f"/{kind}")


def test_alerts_most_important_first_then_read_and_kept(store):
    with session_scope(store) as s:
        store_alerts(s, "demo-shop", [_draft("spending_spike", 1, "지출"), _draft("loan_overdue", 3, "연체"),
                                      _draft("payment_due", 2, "카드값")], NOW)
        store_alerts(s, "demo-student", [_draft("payment_due", 2, "남의 알림")], NOW)
    messages = show_alerts(store, "demo-shop", NOW)
    assert [m.text for m in messages] == ["새 알림 3건입니다.", "[긴급] 연체", "카드값", "지출"]
    assert messages[1].buttons == [{"title": "보기", "payload": "/loan_overdue"}]
    assert show_alerts(store, "demo-shop", NOW)[0].text.startswith("새 알림이 없습니다")
    with session_scope(store) as s:
        kept = inbox(s, "demo-shop", include_read=True)
        assert len(kept) == 3 and all(i.read for i in kept)
        assert [i.text for i in inbox(s, "demo-student")] == ["남의 알림"]
        assert s.get(CustomerActivity, "demo-shop").last_conversation_at == NOW


def test_many_alerts_show_five_and_offer_the_rest(store):
    with session_scope(store) as s:
        store_alerts(s, "demo-shop", [_draft("payment_due", 2, f"알림 {k}") for k in range(7)], NOW)
    first = show_alerts(store, "demo-shop", NOW)
    assert first[0].text == "새 알림 7건입니다. 중요한 5건부터 보여 드릴게요." and len(first) == 7
    assert first[-1].buttons == [{"title": "알림 더 보기", "payload": "/show_alerts"}]
    assert show_alerts(store, "demo-shop", NOW)[0].text == "새 알림 2건입니다."


@pytest.mark.parametrize(
    "text,days",
    [
        ("매일 업데이트해줘", 1),
        ("매주 업데이트해줘", 7),
        ("2주마다 갱신", 14),
        ("한 달에 한 번 업데이트하면 돼", 30),
        ("3일마다 갱신해 주세요", 3),
        ("업데이트 주기 바꾸고 싶어", None),
        ("", None),
    ],
)
def test_cycle_from_words(text, days):
    assert cycle_days_from_text(text) == days


def test_change_cycle_for_a_linked_customer_only_and_within_bounds(store, sandbox):
    orgs = run(link(store, sandbox, "demo-retiree"))
    assert change_cycle(store, "demo-retiree", None, NOW).buttons  # asks, with 매일/매주/매월
    assert "30일 사이" in change_cycle(store, "demo-retiree", 90, NOW).text
    assert (
        change_cycle(store, "demo-retiree", 1, NOW).text
        == f"네, 이제 연결된 금융사 {len(orgs)}곳의 정보를 매일 업데이트할게요."
    )
    with session_scope(store) as s:
        rows = s.execute(select(SyncSchedule.cycle_days, SyncSchedule.next_due_at).where(
            SyncSchedule.customer_id == "demo-retiree")).all()
    assert {c for c, _ in rows} == {1} and all(due <= NOW + timedelta(days=1) for _, due in rows)
    assert "연결된 금융사가 없어" in change_cycle(store, "demo-shop", 1, NOW).text
    with session_scope(store) as s:
        refresh_schedules(s, NOW)
        assert s.execute(select(SyncSchedule).where(SyncSchedule.customer_id == "demo-shop")).first() is None
