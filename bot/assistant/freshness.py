"""How current the data behind an answer is, in one or two Korean sentences.

Rules (per institution the answer drew on):
- its last sync failed (`last_error`): "현대카드 연결에 실패해 마지막으로 받은 6월 20일(금) 정보로
  답변드려요" (or, when nothing was ever received, that its data could not be fetched yet);
- its last successful sync is older than `STALE_AFTER` (24 hours): "신한카드 정보는 3일 전
  기준이에요" (hours under a day, days after);
- never synced and no error: "… 정보는 아직 불러오는 중이에요".
Institutions with the same wording are named together ("우리은행·롯데카드 정보는 …").
The answer itself still uses whatever data is stored.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from bot.korean.wording import josa, korean_date

STALE_AFTER = timedelta(hours=24)


def age_words(age: timedelta) -> str:
    """timedelta → "방금" / "3시간 전" / "2일 전"."""
    hours = int(age.total_seconds() // 3600)
    if hours < 1:
        return "방금"
    if hours < 24:
        return f"{hours}시간 전"
    return f"{hours // 24}일 전"


def freshness_notes(freshness: Iterable, now: datetime, *, kinds: Iterable[str] | None = None,
                    orgs: Iterable[str] | None = None, stale_after: timedelta = STALE_AFTER) -> list[str]:
    """Sentences about failed, stale or not-yet-synced institutions among `freshness`
    (`bot.mydata.analytics.scope.Freshness` records), optionally only of some kinds or org codes."""
    kinds = set(kinds) if kinds is not None else None
    orgs = set(orgs) if orgs is not None else None
    groups: dict[str, list[str]] = {}
    order: list[str] = []

    def add(key: str, name: str) -> None:
        if key not in groups:
            groups[key] = []
            order.append(key)
        if name not in groups[key]:
            groups[key].append(name)

    for item in freshness:
        if kinds is not None and item.kind not in kinds:
            continue
        if orgs is not None and item.org_code not in orgs:
            continue
        if item.last_error is not None:
            if item.last_success_at is None:
                add("failed-never", item.institution)
            else:
                add(f"failed:{korean_date(item.last_success_at)}", item.institution)
        elif item.last_success_at is None:
            add("pending", item.institution)
        elif now - item.last_success_at > stale_after:
            add(f"stale:{age_words(now - item.last_success_at)}", item.institution)
    sentences = []
    for key in order:
        names = "·".join(groups[key])
        if key == "failed-never":
            sentences.append(f"{names} 연결에 실패해 아직 정보를 받지 못했어요. 잠시 후 다시 시도해 볼게요.")
        elif key.startswith("failed:"):
            sentences.append(f"{names} 연결에 실패해 마지막으로 받은 {key[7:]} 정보로 답변드려요.")
        elif key == "pending":
            sentences.append(f"{josa(names, '은')} 아직 정보를 불러오는 중이에요.")
        else:
            sentences.append(f"{names} 정보는 {key[6:]} 기준이에요.")
    return sentences
