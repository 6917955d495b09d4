"""Personal-finance intents before the MyData and credit layers are connected."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation.intents import intent_label


class ActionFeaturePreview(Action):
    """Names the understood request and says honestly it is not live yet."""

    def name(self) -> Text:
        return "action_feature_preview"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        label = intent_label(intent) or "요청하신 기능"
        dispatcher.utter_message(
            text=(
                f"'{label}' 요청으로 이해했어요. 이 기능은 고객님의 마이데이터 연결과 함께 곧 "
                "제공될 예정이라 아직 실제 금융 정보로 답변드릴 수 없어요. 지금은 금융 FAQ와 "
                "이용 안내를 도와드릴 수 있어요."
            ),
            buttons=[{"title": "할 수 있는 일 보기", "payload": "/help"}],
        )
        return []
