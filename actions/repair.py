"""Repair in every form: the validation base every form shares, and the action rules send repairs to.

The decisions are in bot.conversation.repair; here they become Rasa events.
A form's validation takes only an answer to the question it asked, or a
marked correction; anything else leaves the slot empty, Rasa's form rejects
the turn, and a rule (nlu_data/rules.yml) sends it to a digression answer or
to `action_form_repair`.
"""
from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import authenticated_customer, context_for, linked, reply_for, send
from actions.reading import query_from_message
from bot.assistant.consents import linked_institutions
from bot.assistant.reply import not_linked_words
from bot.conversation import form_values
from bot.conversation.repair import (
    MISSES_BEFORE_BUTTONS,
    MISSES_BEFORE_LEAVING,
    FormSpec,
    MissReply,
    Turn,
    Value,
    after_miss,
    answered_in_same_breath,
    answered_just_now,
    cancel_text,
    clarification_options,
    classify,
    confirmation_was_asked,
    corrected_text,
    correction,
    count_misses,
    explicit_yes,
    filled_slots,
    form_for,
    internal_error_reply,
    last_bot_text,
    other_form_text,
    pick,
    slots_to_clear,
    with_linked_choices,
)
from bot.korean.wording import josa

logger = logging.getLogger(__name__)

MISSES_SLOT = "form_misses"
SMALLTALK_RESPONSES = {
    "greet": "utter_greet_in_form",
    "thank": "utter_welcome",
    "help": "utter_help",
    "bot_challenge": "utter_iamabot",
    "out_of_scope": "utter_out_of_scope",
}


# Below this an intent is a guess: inside a form it must not cancel, digress or greet on its own.
UNSURE_BELOW = 0.55


def is_guess(tracker: Tracker) -> bool:
    """Whether the NLU was unsure of the latest message (`바나나` read as goodbye at 0.5)."""
    confidence = (tracker.latest_message.get("intent") or {}).get("confidence")
    return isinstance(confidence, (int, float)) and confidence < UNSURE_BELOW


def _intent(tracker: Tracker) -> Optional[str]:
    """The message's intent, or nlu_fallback when the NLU was unsure."""
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return "nlu_fallback" if name and is_guess(tracker) else name


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _values(form: FormSpec, tracker: Tracker):
    return form_values.values_in(form.name, _text(tracker), tracker.latest_message.get("entities") or [])


async def slot_problem(
    slot: str, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher
) -> Optional[str]:
    """Why the value cannot fill the slot (None also when there is no value to judge); to unlink, the
    institution must be linked."""
    if value is None:
        return None
    problem = form_values.problem_with(slot, value)
    if problem or slot != "revoke_institution":
        return problem
    customer_id = authenticated_customer(tracker, dispatcher)
    if customer_id and not await linked(customer_id, value):
        return not_linked_words(value)
    return None


async def linked_names(tracker: Tracker, dispatcher: CollectingDispatcher) -> List[str]:
    customer_id = authenticated_customer(tracker, dispatcher)
    if customer_id is None:
        return []
    return await asyncio.to_thread(linked_institutions, context_for(customer_id))


def confirm_value(form: FormSpec, tracker: Tracker) -> Optional[bool]:
    """True only for an explicit yes right after the question naming the institution and what happens."""
    intent = _intent(tracker)
    if intent == "deny":
        return False
    institution = tracker.get_slot(
        "connect_institution" if form.name == "connect_form" else "revoke_institution"
    )
    # the words decide, not the NLU's guess: `네, 끊어주세요` can read as revoke_consent
    if explicit_yes(_text(tracker)) and confirmation_was_asked(
            last_bot_text(tracker.events), institution, form):
        return True
    return None


def leave_form(form: FormSpec) -> List[EventType]:
    """Nothing half-done: the form stops and every slot it filled is emptied."""
    return (
        [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet(MISSES_SLOT, None)]
        + [SlotSet(slot, None) for slot in slots_to_clear(form)]
        + [FollowupAction("action_listen")]
    )


def utter_miss(dispatcher: CollectingDispatcher, reply: MissReply) -> None:
    buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
    dispatcher.utter_message(text=reply.text, **({"buttons": buttons} if buttons else {}))


class RepairingFormValidation(FormValidationAction):
    """Validation for a form that takes only answers to its own question, and corrections."""

    @abstractmethod
    def name(self) -> Text:
        """`validate_<form>`, which names the form."""

    def form_spec(self) -> FormSpec:
        spec = form_for(self.form_name())
        assert spec is not None, f"no FormSpec for {self.form_name()}"
        return spec

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        form = self.form_spec()
        requested = tracker.get_slot("requested_slot")
        try:
            if requested in form.slots and answered_just_now(tracker.events, form.name):
                return await self.take_turn(form, requested, dispatcher, tracker)
            return await self.check_prefilled(form, dispatcher, tracker)
        except Exception:  # noqa: BLE001 - nothing is filled; the rejected turn goes to the repair action
            logger.exception("validating %s failed", form.name)
            return []

    async def take_turn(
        self, form: FormSpec, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> List[EventType]:
        text, values = _text(tracker), _values(form, tracker)
        turn = classify(_intent(tracker), text, values, requested, form)
        done = [SlotSet(MISSES_SLOT, None)]
        if turn == Turn.ANSWER and requested == form.confirm_slot:
            value = confirm_value(form, tracker)
            return [] if value is None else [SlotSet(requested, value)] + done
        if turn == Turn.ANSWER:
            value = form_values.normalized(requested, pick(text, values, requested))
            if value is None or await slot_problem(requested, value, tracker, dispatcher):
                return []
            also = await self.same_breath(form, requested, text, values, tracker, dispatcher)
            return [SlotSet(requested, value)] + also + done
        if turn == Turn.CORRECTION:
            slot, value = correction(text, values, requested) or (requested, None)
            value = form_values.normalized(slot, value)
            if value is None or await slot_problem(slot, value, tracker, dispatcher):
                return []
            if slot != requested:
                dispatcher.utter_message(text=corrected_text(form, slot, form_values.shown(slot, value)))
            reconfirm = (
                [SlotSet(form.confirm_slot, None)] if form.confirm_slot and slot != form.confirm_slot else []
            )
            return [SlotSet(slot, value)] + reconfirm + done
        spec = form.slots[requested]
        if turn == Turn.ANY and spec.any_takes_default:
            shown = form_values.shown(requested, spec.default)
            dispatcher.utter_message(
                text=f"{josa(spec.label, '은')} {josa(shown, '으로')} 볼게요. 바꾸시려면 언제든 말씀해 "
                     "주세요."
            )
            return [SlotSet(requested, spec.default)] + done
        return []

    async def check_prefilled(
        self, form: FormSpec, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> List[EventType]:
        """Values the opening question gave; an empty slot is no answer and gets no error line."""
        events: List[EventType] = []
        for slot, value in tracker.slots_to_validate().items():
            if slot not in form.slots or value is None:
                continue
            value = form_values.normalized(slot, value)
            problem = await slot_problem(slot, value, tracker, dispatcher)
            if problem:
                dispatcher.utter_message(text=f"{problem} {form.slots[slot].help}")
            events.append(SlotSet(slot, None if problem else value))
        return events

    async def same_breath(
        self, form: FormSpec, requested: str, text: str, values: Sequence[Value], tracker: Tracker,
        dispatcher: CollectingDispatcher,
    ) -> List[EventType]:
        """The form's other open questions a bare answer also answered, each value checked as its own
        answer would be."""
        filled = [slot for slot in form.slots if tracker.get_slot(slot) is not None]
        events: List[EventType] = []
        for slot, raw in answered_in_same_breath(form, requested, text, values, filled):
            value = form_values.normalized(slot, raw)
            if value is not None and not await slot_problem(slot, value, tracker, dispatcher):
                events.append(SlotSet(slot, value))
        return events


class ActionFormRepair(Action):
    """A form turn that is not an answer: cancel, restart, don't know, an unusable answer, small talk."""

    def name(self) -> Text:
        return "action_form_repair"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        form = form_for((tracker.active_loop or {}).get("name"))
        requested = tracker.get_slot("requested_slot")
        if form is None or requested not in form.slots:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return [FollowupAction("action_listen")]
        try:
            return await self.repair(form, requested, dispatcher, tracker)
        except Exception:  # noqa: BLE001 - the customer gets a clean exit, the log gets the trace
            logger.exception("repairing %s failed", form.name)
            utter_miss(dispatcher, internal_error_reply(form))
            return leave_form(form)

    async def repair(
        self, form: FormSpec, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> List[EventType]:
        intent, text, values = _intent(tracker), _text(tracker), _values(form, tracker)
        turn = classify(intent, text, values, requested, form)
        if turn == Turn.CANCEL:
            filled = filled_slots(form, tracker.slots)
            shown = form_values.shown_slots(filled)
            if tracker.get_slot("search_query"):
                filled["search_query"] = tracker.get_slot("search_query")
            dispatcher.utter_message(text=cancel_text(form, filled, shown))
            return leave_form(form)
        if turn == Turn.RESTART:
            dispatcher.utter_message(
                text=f"처음부터 다시 할게요. {form.label}에 필요한 내용을 다시 여쭤볼게요."
            )
            return [SlotSet(slot, None) for slot in slots_to_clear(form)] + [SlotSet(MISSES_SLOT, None)]
        if turn == Turn.HANDOFF:
            dispatcher.utter_message(
                text=f"{josa(form.label, '은')} 여기서 멈출게요. 입력하신 내용은 저장하지 않았어요."
            )
            dispatcher.utter_message(response="utter_human_handoff")
            return leave_form(form)
        if turn == Turn.SMALLTALK:
            dispatcher.utter_message(response=SMALLTALK_RESPONSES[intent or "help"])
            misses = count_misses(tracker.get_slot(MISSES_SLOT), requested)
            if misses >= MISSES_BEFORE_BUTTONS:
                reply = after_miss(form, requested, misses)
                utter_miss(dispatcher, reply)
                if reply.leave:
                    return leave_form(form)
            return [SlotSet(MISSES_SLOT, {"slot": requested, "count": misses})]
        if turn == Turn.OTHER_FORM:
            if intent == "search_transactions" and await self.searched_in_place(form, dispatcher, tracker):
                return []
            dispatcher.utter_message(text=other_form_text(form))
            return []
        misses = count_misses(tracker.get_slot(MISSES_SLOT), requested)
        options = clarification_options(text, values, requested) if turn == Turn.ANSWER else []
        if options and misses < MISSES_BEFORE_LEAVING:
            dispatcher.utter_message(text=f"{', '.join(options)} 중 어느 쪽으로 할까요?",
                                     buttons=[{"title": option, "payload": option} for option in options])
            return [SlotSet(MISSES_SLOT, {"slot": requested, "count": misses})]
        problem = await self.problem(form, turn, requested, tracker, dispatcher)
        dont_know = turn in (Turn.DONT_KNOW, Turn.ANY)
        reply = after_miss(form, requested, misses, problem, dont_know=dont_know)
        if requested == "revoke_institution" and (dont_know or misses >= MISSES_BEFORE_BUTTONS):
            reply = with_linked_choices(reply, await linked_names(tracker, dispatcher))
        utter_miss(dispatcher, reply)
        if reply.leave:
            return leave_form(form)
        return [SlotSet(MISSES_SLOT, {"slot": requested, "count": misses})]

    async def searched_in_place(
        self, form: FormSpec, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> bool:
        """A search that names its period (`지난달 5만원 넘게 쓴 거`) needs no form of its own: it is answered
        like any question mid-form, and the form then asks again."""
        query = query_from_message(tracker.latest_message)
        if form.name == "transaction_search_form" or query.period is None:
            return False
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return True
        send(dispatcher, await reply_for("search_transactions", customer_id, query))
        return True

    async def problem(
        self, form: FormSpec, turn: Turn, requested: str, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> Optional[str]:
        """Why an answer-like turn could not be taken, to say it before asking again."""
        text, values = _text(tracker), _values(form, tracker)
        if requested == form.confirm_slot:
            if _intent(tracker) == "affirm":
                return "확인을 위해 한 번 더 여쭤볼게요."
            return None
        if turn == Turn.CORRECTION:
            slot, value = correction(text, values, requested) or (requested, None)
            return await slot_problem(slot, form_values.normalized(slot, value), tracker, dispatcher)
        if turn == Turn.ANSWER:
            value = form_values.normalized(requested, pick(text, values, requested))
            return await slot_problem(requested, value, tracker, dispatcher)
        return None
