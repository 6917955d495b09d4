"""Two questions in one message (bot.conversation.questions): split only where two different topics
are joined, with each question's own words and entities."""

from bot.conversation.questions import two_questions


def test_two_topics_joined_are_two_questions_in_order():
    both = two_questions("잔액이랑 이번 달 지출 알려줘")
    assert [(q.intent, q.text) for q in both] == [
        ("check_balance", "잔액이랑 "),
        ("spending_summary", "이번 달 지출 알려줘"),
    ]
    assert [q.intent for q in two_questions("신용점수하고 카드값 알려줘")] == ["credit_score", "card_bill"]
    assert [q.intent for q in two_questions("잔액 알려주고 지출도 보여줘")] == [
        "check_balance",
        "spending_summary",
    ]
    assert [q.intent for q in two_questions("월급이랑 고정지출 얼마야")] == [
        "income_summary",
        "recurring_payments",
    ]


def test_values_of_one_entity_and_one_topic_twice_are_one_question():
    for text in (
        "보험이랑 대출 알려줘",
        "신한이랑 우리 잔액",
        "이번 달 지출이랑 지난달 지출",
        "잔액 지출",
        "지출 요약 보여줘",
        "카드값 얼마야",
    ):
        assert two_questions(text) is None, text


def test_a_leading_period_is_shared_and_every_other_word_stays_with_its_question():
    text = "이번 달 지출이랑 수입 알려줘"
    first, second = two_questions(text, [{"entity": "period", "value": "p", "start": 0, "end": 4}])
    assert second.text == "이번 달 수입 알려줘"
    assert [second.text[e["start"] : e["end"]] for e in second.entities] == ["이번 달"]
    text = "국민은행 잔액이랑 이번 달 카드값"
    entities = [
        {"entity": "institution", "value": "KB국민은행", "start": 0, "end": 4},
        {"entity": "period", "value": "p", "start": 10, "end": 14},
    ]
    first, second = two_questions(text, entities)
    assert [e["entity"] for e in first.entities] == ["institution"]
    assert second.text == "이번 달 카드값"
    assert [(e["entity"], second.text[e["start"] : e["end"]]) for e in second.entities] == [
        ("period", "이번 달")
    ]
