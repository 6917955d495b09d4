"""The repair decisions of bot.conversation.repair on messages written from issue #11, section 2."""
import pytest

from bot.conversation import form_values
from bot.conversation.repair import (
    FORMS,
    Turn,
    after_miss,
    answered_in_same_breath,
    answered_just_now,
    cancel_text,
    clarification_options,
    classify,
    confirmation_was_asked,
    correction,
    count_misses,
    explicit_yes,
    last_bot_text,
    pick,
    with_linked_choices,
)

LOAN, CONNECT, REVOKE, SEARCH = (
    FORMS[n] for n in ("loan_form", "connect_form", "revoke_form", "transaction_search_form"))


def turn(form, intent, text, requested, entities=()):
    values = form_values.values_in(form.name, text, list(entities))
    return classify(intent, text, values, requested, form)


def institution(name, start=0, end=None):
    return {
        "entity": "institution",
        "value": name,
        "start": start,
        "end": start + len(name) if end is None else end,
    }


@pytest.mark.parametrize(
    "text", ["취소", "그만", "그만할래요", "됐어요", "아니 됐어요", "안 할래요", "나중에 할게요"]
)
def test_every_way_of_cancelling_cancels_whatever_the_intent(text):
    for intent in ("cancel", "deny", "inform", "goodbye", "nlu_fallback"):
        assert turn(LOAN, intent, text, "loan_term") == Turn.CANCEL


@pytest.mark.parametrize("text", ["음 그냥 2천", "그냥 3천이요", "일단 천만 원"])
def test_the_asked_value_with_filler_is_an_answer_even_when_read_as_cancel(text):
    assert turn(LOAN, "cancel", text, "loan_amount") == Turn.ANSWER
    assert turn(LOAN, "cancel", "그냥 됐어요", "loan_amount") == Turn.CANCEL


def test_restart_is_not_a_cancel():
    assert turn(LOAN, "deny", "처음부터 다시", "loan_purpose") == Turn.RESTART
    assert turn(CONNECT, "start_over", "다시 시작할래요", "connect_months") == Turn.RESTART


def test_corrections_name_the_slot_they_change():
    text = "아니 3년 말고 5년"
    values = form_values.values_in("loan_form", text, [])
    assert classify("deny", text, values, "loan_purpose", LOAN) == Turn.CORRECTION
    assert correction(text, values, "loan_purpose") == ("loan_term", 60)


def test_two_values_for_the_asked_slot_ask_which_one():
    text = "3년이나 5년"
    values = form_values.values_in("loan_form", text, [])
    assert turn(LOAN, "inform", text, "loan_term") == Turn.ANSWER
    assert pick(text, values, "loan_term") is None
    assert clarification_options(text, values, "loan_term") == ["3년", "5년"]
    assert clarification_options("5년", form_values.values_in("loan_form", "5년", []), "loan_term") == []


def test_a_bare_thousand_in_a_loan_means_ten_million_won_units():
    values = form_values.values_in("loan_form", "금액 2천으로", [])
    assert correction("금액 2천으로", values, "loan_term") == ("loan_amount", 20_000_000)
    assert form_values.values_in("loan_form", "3천만원", [])[0].value == 30_000_000
    assert form_values.values_in("loan_form", "2천원", [])[0].value == 2_000


def test_six_months_changes_the_consent_period_at_the_summary():
    text = "6개월로 바꿔주세요"
    assert turn(CONNECT, "inform", text, "connect_agreed") == Turn.CORRECTION
    values = form_values.values_in("connect_form", text, [])
    assert correction(text, values, "connect_agreed") == ("connect_months", 6)


def test_the_value_after_malgo_wins_even_for_the_asked_slot():
    text = "신한카드 말고 삼성카드요"
    values = form_values.values_in(
        "connect_form", text, [institution("신한카드", 0), institution("삼성카드", 8)]
    )
    assert pick(text, values, "connect_institution") == "삼성카드"


def test_an_institution_inside_an_unrelated_question_is_no_answer():
    entities = [institution("우리은행")]
    assert (
        turn(REVOKE, "check_balance", "우리은행 잔액 얼마예요", "revoke_institution", entities)
        == Turn.DIGRESSION
    )
    assert (
        turn(CONNECT, "card_bill", "NH농협은행 카드값 얼마야?", "connect_scope", [institution("NH농협은행")])
        == Turn.DIGRESSION
    )


def test_a_bare_name_is_an_answer_even_when_the_classifier_guessed_a_question():
    assert (
        turn(REVOKE, "check_balance", "농협이요", "revoke_institution", [institution("NH농협은행", 0, 2)])
        == Turn.ANSWER
    )
    assert (
        turn(
            REVOKE,
            "check_balance",
            "농협으로 할게요",
            "revoke_institution",
            [institution("NH농협은행", 0, 2)],
        )
        == Turn.ANSWER
    )


def test_a_name_with_a_question_word_is_no_bare_answer():
    for text in ("우리은행 잔액", "우리은행 잔액은", "우리은행 거래내역"):
        assert (
            turn(REVOKE, "check_balance", text, "revoke_institution", [institution("우리은행")])
            == Turn.DIGRESSION
        )


def test_a_value_for_a_slot_not_asked_and_not_marked_as_a_change_is_no_answer():
    assert turn(LOAN, "inform", "5년", "loan_amount") == Turn.UNUSABLE


def test_skipping_a_question_is_choosing_nothing():
    assert turn(LOAN, "deny", "이건 건너뛸게요", "loan_purpose") == Turn.ANY
    assert turn(CONNECT, "nlu_fallback", "패스", "connect_months") == Turn.ANY
    assert turn(SEARCH, "goodbye", "넘어갈게요", "search_period") == Turn.ANY
    assert turn(SEARCH, "goodbye", "그만 넘어갈게요", "search_period") == Turn.CANCEL
    assert not FORMS["connect_form"].slots["connect_months"].any_takes_default


def test_dont_know_and_anything():
    assert turn(LOAN, "dont_know", "몰라요", "loan_term") == Turn.DONT_KNOW
    assert turn(LOAN, "inform", "아무거나", "loan_purpose") == Turn.ANY
    assert turn(SEARCH, "nlu_fallback", "글쎄요", "search_period") == Turn.DONT_KNOW


def test_questions_small_talk_and_other_forms():
    assert turn(LOAN, "faq", "이체 한도가 얼마예요?", "loan_term") == Turn.DIGRESSION
    assert turn(LOAN, "help", "뭐 할 수 있어?", "loan_term") == Turn.SMALLTALK
    assert turn(LOAN, "connect_institution", "신한카드 연결해줘", "loan_term") == Turn.OTHER_FORM
    assert turn(LOAN, "human_handoff", "상담원 연결해 주세요", "loan_term") == Turn.HANDOFF


def test_yes_and_no_answer_only_a_yes_no_question():
    assert turn(REVOKE, "affirm", "네", "revoke_confirmed") == Turn.ANSWER
    assert turn(REVOKE, "deny", "아니요", "revoke_confirmed") == Turn.ANSWER
    assert turn(REVOKE, "affirm", "네", "revoke_institution") == Turn.UNUSABLE
    assert turn(LOAN, "deny", "아니요", "loan_term") == Turn.CANCEL


@pytest.mark.parametrize(
    "text", ["네", "예", "응", "동의합니다", "네, 끊어주세요", "진행해 주세요", "/affirm"]
)
def test_explicit_yes(text):
    assert explicit_yes(text)


@pytest.mark.parametrize(
    "text", ["네?", "네 근데 잔액은", "아니 네", "글쎄 네", "안 끊어도 될까요", "네 잠깐만요"]
)
def test_not_an_explicit_yes(text):
    assert not explicit_yes(text)


def test_the_confirmation_must_name_the_institution_and_what_happens():
    asked = "NH농협은행 연결을 끊으면 지금까지 받아온 NH농협은행 정보가 모두 삭제돼요. 진행할까요?"
    assert confirmation_was_asked(asked, "NH농협은행", REVOKE)
    assert not confirmation_was_asked(asked, "우리은행", REVOKE)
    assert not confirmation_was_asked("NH농협은행 잔액은 100원이에요.", "NH농협은행", REVOKE)
    assert not confirmation_was_asked(None, "NH농협은행", REVOKE)
    summary = "확인해 주세요.\n· 기관: 삼성카드\n동의하시겠어요?"
    assert confirmation_was_asked(summary, "삼성카드", CONNECT)


def test_misses_explain_then_offer_buttons_then_leave_with_a_way_back_and_an_agent():
    first = after_miss(LOAN, "loan_term", 1)
    assert not first.leave and not first.buttons and "상환 기간" in first.text
    second = after_miss(LOAN, "loan_amount", 2)
    assert not second.leave and [t for t, _ in second.buttons] == ["500만 원", "1,000만 원", "3,000만 원"]
    assert "골라 주세요" in after_miss(LOAN, "loan_term", 2).text
    assert after_miss(LOAN, "loan_term", 2).buttons == ()  # the term question that follows shows them once
    third = after_miss(LOAN, "loan_term", 3)
    assert third.leave and "다시 하시려면" in third.text and "상담원" in third.text
    assert ("상담원 연결", "/human_handoff") in third.buttons


def test_dont_know_offers_the_stated_default_first():
    reply = after_miss(LOAN, "loan_term", 1, dont_know=True)
    assert "3년으로 볼게요" in reply.text
    assert reply.buttons[0] == ("3년으로 할게요", "3년")


def test_misses_count_per_question():
    assert count_misses(None, "loan_term") == 1
    assert count_misses({"slot": "loan_term", "count": 2}, "loan_term") == 3
    assert count_misses({"slot": "loan_amount", "count": 2}, "loan_term") == 1


def test_cancel_says_what_was_dropped():
    text = cancel_text(LOAN, {"loan_amount": 10_000_000, "loan_term": 36},
                       form_values.shown_slots({"loan_amount": 10_000_000, "loan_term": 36}))
    assert "취소했어요" in text and "1,000만 원" in text and "3년" in text and "저장하지 않았어요" in text
    assert "삼성카드 연결을 취소했어요" in cancel_text(CONNECT, {"connect_institution": "삼성카드"}, {})
    assert "그대로 유지" in cancel_text(REVOKE, {"revoke_institution": "NH농협은행"}, {})
    assert cancel_text(SEARCH, {"search_query": {"merchant": "스타벅스"}}, {}).startswith(
        "스타벅스 거래내역 검색을 취소했어요"
    )


def test_values_outside_the_allowed_ranges_are_problems():
    assert form_values.problem_with("connect_months", 24)
    assert form_values.problem_with("loan_amount", 0)
    assert form_values.problem_with("loan_amount", 10_000_000) is None
    assert form_values.problem_with("connect_institution", "없는은행")


def test_a_fresh_answer_is_one_the_form_runs_on_right_after_the_customer_spoke():
    listen = {"event": "action", "name": "action_listen"}
    form = {"event": "action", "name": "loan_form"}
    user = {"event": "user", "text": "5년"}
    assert answered_just_now([listen, user, form], "loan_form")
    assert not answered_just_now(
        [listen, user, {"event": "action", "name": "action_form_repair"}, form], "loan_form"
    )


def test_last_bot_text_is_what_was_said_before_the_latest_message():
    events = [
        {"event": "bot", "text": "질문"},
        {"event": "user", "text": "네"},
        {"event": "bot", "text": "나중"},
    ]
    assert last_bot_text(events) == "질문"


@pytest.mark.parametrize(
    "text", ["네 동의해요", "예 진행할게요", "네, 해지해 주세요", "응 삭제해 주세요", "넵 좋아요"]
)
def test_a_yes_phrase_after_ne_is_explicit(text):
    assert explicit_yes(text)


@pytest.mark.parametrize("text", ["네 동의 안 해요", "네 근데 삭제하면 어떻게 돼요", "동의할게요?"])
def test_a_qualified_yes_phrase_is_not_explicit(text):
    assert not explicit_yes(text)


def test_an_explicit_yes_at_the_confirmation_is_an_answer_whatever_the_intent():
    assert turn(REVOKE, "revoke_consent", "네, 해지해 주세요", "revoke_confirmed") == Turn.ANSWER
    assert turn(REVOKE, "revoke_consent", "해지 절차가 궁금해요", "revoke_confirmed") != Turn.ANSWER


def test_out_of_scope_inside_a_form_is_no_answer_and_small_talk_stays_small_talk():
    assert turn(LOAN, "out_of_scope", "우주여행", "loan_purpose") == Turn.UNUSABLE
    assert turn(LOAN, "greet", "안녕하세요", "loan_purpose") == Turn.SMALLTALK


def test_not_knowing_which_to_unlink_lists_the_linked_ones_as_buttons():
    reply = with_linked_choices(
        after_miss(REVOKE, "revoke_institution", 1, dont_know=True), ["하나은행", "현대카드"]
    )
    assert "하나은행, 현대카드" in reply.text and not reply.leave
    assert reply.buttons[:2] == (("하나은행", "하나은행"), ("현대카드", "현대카드"))
    leaving = after_miss(REVOKE, "revoke_institution", 3)
    assert with_linked_choices(leaving, ["하나은행"]) == leaving


def test_a_change_after_a_loan_estimate_reads_amounts_as_the_loan_form_does():
    assert form_values.loan_change("금액 3천으로 해볼게요", []) == {"amount": 30_000_000}
    assert form_values.loan_change("2년 말고 4년이면요", []) == {"loan_term_months": 48}
    assert form_values.loan_change("금액 0원으로", []) == {}


def test_a_bare_answer_also_answers_the_forms_other_open_questions():
    def breath(form, requested, text, filled=()):
        values = form_values.values_in(form.name, text, [])
        return answered_in_same_breath(form, requested, text, values, filled)

    assert breath(LOAN, "loan_amount", "3천만원 5년이요") == [("loan_term", 60)]
    assert breath(LOAN, "loan_term", "5년 생활자금으로") == [("loan_purpose", "생활자금")]
    linked = ["connect_institution"]
    assert breath(CONNECT, "connect_scope", "전체 정보 1년", linked) == [("connect_months", 12)]
    assert breath(CONNECT, "connect_scope", "1년 동안 전체로", linked) == [("connect_months", 12)]
    # a filled slot changes only by a correction; a message with a question of its own fills nothing
    assert breath(LOAN, "loan_amount", "3천만원 5년이요", ["loan_term"]) == []
    assert breath(LOAN, "loan_amount", "3천만원이면 5년 동안 얼마나 갚아야 돼?") == []
