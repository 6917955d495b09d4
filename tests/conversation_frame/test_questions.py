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


def test_a_clause_of_its_own_makes_product_words_two_questions():
    assert [(q.intent, q.text) for q in two_questions("대출 얼마 남았고 보험료는 매달 얼마야?")] == [
        ("loan_status", "대출 얼마 남았고 "),
        ("insurance_summary", "보험료는 매달 얼마야?"),
    ]
    rate_and_score = two_questions("대출 금리 어떻고 신용점수는 몇 점이야")
    assert [q.intent for q in rate_and_score] == ["loan_status", "credit_score"]
    assert [q.intent for q in two_questions("주식 수익률 어떻고 보험은 뭐 있어")] == [
        "investment_summary",
        "insurance_summary",
    ]
    assert [(q.intent, q.text) for q in two_questions("잔액 얼마고 이번 달 지출은?")] == [
        ("check_balance", "잔액 얼마고 "),
        ("spending_summary", "이번 달 지출은?"),
    ]


def test_product_words_joined_alone_or_a_plan_stay_one_question():
    for text in (
        "보험이랑 대출 얼마야",
        "대출하고 보험",
        "잔액이랑 대출 알려줘",
        "대출 잔액 알려줘",
        "대출 받고 신용점수 떨어져?",
        "보험 해지하고 대출 갚을까?",
        "주식 팔고 대출 갚는 게 나아?",
        "대출 받고 싶은데 신용점수 괜찮아?",
    ):
        assert two_questions(text) is None, text
