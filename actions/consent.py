"""Linking and unlinking institutions: explicit consent in, deletion out.

Connecting asks which institution, what to share and for how long, shows a
summary and waits for an explicit 동의; then it creates the consent, syncs,
and answers the question that led here, if any. Unlinking asks to confirm
because the institution's data is deleted.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.alerts import watch_after_sync
from actions.context import authenticated_customer, reply_for, send
from actions.forms import AskAction, FormStartAction
from actions.repair import RepairingFormValidation
from bot.assistant import Query
from bot.conversation.form_values import MAX_CONSENT_MONTHS, SCOPE_CHOICES
from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import now_kst
from bot.korean.wording import korean_date
from bot.mydata import service
from bot.mydata.consent import default_scopes
from bot.mydata.errors import MyDataError

logger = logging.getLogger(__name__)

CONNECT_SLOTS = (
    "connect_institution",
    "connect_scope",
    "connect_months",
    "connect_agreed",
    "pending_question",
)


def start_connect_flow(
    institution: Optional[str], pending: Optional[Dict[str, Any]]
) -> List[Dict[Text, Any]]:
    """The connect form for `institution`, keeping the question that needs it (`pending`: its intent
    and query) to answer right after the sync."""
    slots = {
        **{slot: None for slot in CONNECT_SLOTS},
        "connect_institution": institution,
        "pending_question": pending,
    }
    return [SlotSet(slot, value) for slot, value in slots.items()] + [FollowupAction("connect_form")]


def scopes_for(institution: Optional[str], choice: str) -> Optional[List[str]]:
    """The scopes to ask for, or None when the lexicon does not know the institution."""
    known = load_lexicon().institution(institution)
    if known is None:
        return None
    scopes = default_scopes(known.kind)
    return scopes if choice == "all" else [s for s in scopes if s.endswith(".list")]


class ActionStartConnect(FormStartAction):
    """Starts the connect flow with what the message already named."""

    action_name = "action_start_connect"

    def slots(self, query: Query) -> Dict[Text, Any]:
        return {**{slot: None for slot in CONNECT_SLOTS}, "connect_institution": query.institution}


class ValidateConnectForm(RepairingFormValidation):
    def name(self) -> Text:
        return "validate_connect_form"


class ActionAskConnectScope(AskAction):
    slot = "connect_scope"

    def question(self, tracker: Tracker) -> Dict[Text, Any]:
        return {
            "text": f"{tracker.get_slot('connect_institution')}에서 어떤 정보를 받아올까요? "
            "전체 정보에는 거래·청구·상세 내역이 포함돼요.",
            "buttons": [{"title": title, "payload": title} for title in SCOPE_CHOICES.values()],
        }


class ActionAskConnectMonths(AskAction):
    slot = "connect_months"

    def question(self, tracker: Tracker) -> Dict[Text, Any]:
        return {
            "text": "얼마 동안 정보 제공에 동의하시겠어요? (최대 1년, 언제든 철회할 수 있어요)",
            "buttons": [{"title": t, "payload": t} for t in ("3개월", "6개월", "1년")],
        }


class ActionAskConnectAgreed(AskAction):
    """The summary the customer consents to, with an explicit yes or no."""

    slot = "connect_agreed"

    def question(self, tracker: Tracker) -> Dict[Text, Any]:
        scope = SCOPE_CHOICES.get(tracker.get_slot("connect_scope"), "")
        return {
            "text": (
                f"확인해 주세요.\n· 기관: {tracker.get_slot('connect_institution')}\n· 정보: {scope}\n"
                f"· 기간: {tracker.get_slot('connect_months')}개월\n"
                "동의하시면 이 기관에서 고객님의 정보를 받아와 보여드려요. 동의하시겠어요?"
            ),
            "buttons": [
                {"title": "동의합니다", "payload": "/affirm"},
                {"title": "동의하지 않아요", "payload": "/deny"},
            ],
        }


class ActionConnectInstitution(Action):
    """Creates the consent, syncs the institution, then answers the pending question."""

    def name(self) -> Text:
        return "action_connect_institution"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reset = [SlotSet(slot, None) for slot in CONNECT_SLOTS]
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return reset
        if tracker.get_slot("connect_agreed") is not True:
            dispatcher.utter_message(response="utter_connect_cancelled")
            return reset
        institution = tracker.get_slot("connect_institution")
        months = int(tracker.get_slot("connect_months") or MAX_CONSENT_MONTHS)
        scopes = scopes_for(institution, tracker.get_slot("connect_scope") or "all")
        now = now_kst()
        try:
            consent, result = await service.connect_institution(
                customer_id, institution, scopes=scopes, days=min(365, months * 30 + months // 2),
                now=now,
            )
        except MyDataError as error:
            logger.warning("connect %s failed: %s", institution, type(error).__name__)
            dispatcher.utter_message(
                text=f"{institution} 연결에 실패했어요. 동의는 저장되지 않았어요. 잠시 후 다시 시도해 주세요."
            )
            return reset
        if result.ok:  # what came in is watched as after a scheduled sync
            await watch_after_sync(customer_id, now)
        synced = (
            "정보를 받아왔어요" if result.ok else "연결은 됐지만 정보를 받아오지 못해 잠시 후 다시 시도할게요"
        )
        dispatcher.utter_message(
            text=f"{institution} 연결을 완료하고 {synced}. 동의는 "
                 f"{korean_date(consent.expires_at, with_year=True)}까지 유효해요."
        )
        pending = tracker.get_slot("pending_question")
        if pending and result.ok:
            query = Query.from_entities(pending.get("query") or {})
            send(dispatcher, await reply_for(pending["intent"], customer_id, query))
        return reset


class ActionStartRevoke(FormStartAction):
    action_name = "action_start_revoke"

    def slots(self, query: Query) -> Dict[Text, Any]:
        return {"revoke_institution": query.institution, "revoke_confirmed": None}


class ValidateRevokeForm(RepairingFormValidation):
    def name(self) -> Text:
        return "validate_revoke_form"


class ActionAskRevokeConfirmed(AskAction):
    slot = "revoke_confirmed"

    def question(self, tracker: Tracker) -> Dict[Text, Any]:
        institution = tracker.get_slot("revoke_institution")
        return {
            "text": f"{institution} 연결을 끊으면 지금까지 받아온 {institution} 정보가 "
            "모두 삭제돼요. 진행할까요?",
            "buttons": [
                {"title": "네, 끊어주세요", "payload": "/affirm"},
                {"title": "아니요", "payload": "/deny"},
            ],
        }


class ActionRevokeConsent(Action):
    """Withdraws consent; the layer deletes that institution's data and records it."""

    def name(self) -> Text:
        return "action_revoke_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reset = [SlotSet("revoke_institution", None), SlotSet("revoke_confirmed", None)]
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return reset
        if tracker.get_slot("revoke_confirmed") is not True:
            dispatcher.utter_message(response="utter_revoke_cancelled")
            return reset
        institution = tracker.get_slot("revoke_institution")
        try:
            deletion = await service.disconnect_institution(customer_id, institution, now=now_kst())
        except MyDataError as error:
            logger.warning("revoke %s failed: %s", institution, type(error).__name__)
            dispatcher.utter_message(
                text=f"{institution} 연결 해지에 실패했어요. 잠시 후 다시 시도해 주세요."
            )
            return reset
        removed = sum(deletion.rows_deleted.values())
        dispatcher.utter_message(
            text=f"{institution} 연결을 끊고 받아온 정보 {removed:,}건을 삭제했어요. 삭제 기록은 보관돼요."
        )
        return reset
