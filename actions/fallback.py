"""Low-confidence turns: ask to rephrase, offering the two likeliest meanings."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import authenticated_customer
from actions.followups import ActionFollowUp, names_only_values_after_answer
from actions.personal import answered_alone_pair
from actions.reading import current_frame
from bot.conversation.frame import asks_total
from bot.kb.faq import load_faq
from bot.kb.intents import intent_label

IGNORED_INTENTS = {"nlu_fallback", "inform", "affirm", "deny"}
# Below this an intent is no guess worth a button: a keyboard mash leaves
# every intent near 0, and then the plain request to rephrase is honest.
MIN_OPTION_CONFIDENCE = 0.05


def _faq_option(message: Dict[Text, Any]) -> Optional[Dict[Text, Text]]:
    ranking = (message.get("response_selector", {}).get("faq", {}) or {}).get("ranking") or []
    if not ranking:
        return None
    topic = ranking[0].get("intent_response_key", "").split("/", 1)[-1]
    answer = load_faq().get(topic)
    if answer is None:
        return None
    return {"title": answer.title, "payload": f"{answer.title} 알려주세요"}


def likely_options(message: Dict[Text, Any], count: int = 2) -> List[Dict[Text, Text]]:
    options: List[Dict[Text, Text]] = []
    for ranked in message.get("intent_ranking") or []:
        name = ranked.get("name")
        if name in IGNORED_INTENTS or (ranked.get("confidence") or 0.0) < MIN_OPTION_CONFIDENCE:
            continue
        option = _faq_option(message) if name == "faq" else None
        label = intent_label(name)
        if option is None and label:
            option = {"title": label, "payload": f"/{name}"}
        if option and option not in options:
            options.append(option)
        if len(options) == count:
            break
    return options


class ActionAskRephraseWithOptions(Action):
    """Says it did not understand and offers the two likely intents as buttons."""

    def name(self) -> Text:
        return "action_ask_rephrase_with_options"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message
        text = message.get("text") or ""
        if asks_total(current_frame(tracker), text) or names_only_values_after_answer(tracker):
            return await ActionFollowUp().run(dispatcher, tracker, domain)  # `합치면?`, `아니 식비만`
        both = answered_alone_pair(text, message.get("entities") or [])
        if both is not None:
            # `잔고 얼마고 지난달 쓴 돈은?`: two questions split the NLU's confidence between them
            customer_id = authenticated_customer(tracker, dispatcher)
            if customer_id is None:
                return []
            return await ActionFollowUp().answer_both(dispatcher, customer_id, both)
        options = likely_options(tracker.latest_message)
        if options:
            dispatcher.utter_message(
                text="죄송해요, 정확히 이해하지 못했어요. 혹시 이 중 하나를 말씀하신 건가요? 아니면 조금 "
                     "다르게 말씀해 주세요.",
                buttons=options,
            )
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
