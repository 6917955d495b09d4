"""Korean messages over the REST channel to the real Rasa and action servers."""
import uuid

import pytest

pytestmark = pytest.mark.slow


def new_sender():
    return f"test-{uuid.uuid4().hex[:10]}"


def texts(replies):
    return "\n".join(r.get("text", "") for r in replies)


def test_greeting_is_answered_in_korean(rasa):
    replies = rasa.say(new_sender(), "안녕하세여ㅎㅎ")
    assert "안녕하세요" in texts(replies)


@pytest.mark.parametrize(
    "message, expected",
    [
        ("예금자보호한도 얼마까지예요?", "1억"),
        ("이자 세금 몇 퍼센트 떼가요", "15.4%"),
        ("카드를 잃어버렸는데 어떡하죠ㅠㅠ", "분실"),
        ("보이스피싱 당한것같아요 도와주세요", "112"),
        ("마이데이터가 뭐야?", "마이데이터"),
    ],
)
def test_faq_answers_come_from_the_knowledge_base(rasa, message, expected):
    reply = texts(rasa.say(new_sender(), message))
    assert expected in reply
    assert "더 알아보기" in reply


def test_entities_are_normalized_in_the_parse(rasa):
    parsed = rasa.parse("지난달 국민은행에서 오십만 원 넘게 쓴 내역")
    values = {(e["entity"], str(e["value"])) for e in parsed["entities"]}
    assert ("institution", "KB국민은행") in values
    assert ("amount", "500000") in values
    assert any(entity == "period" for entity, _ in values)


def test_low_confidence_offers_two_options(rasa):
    replies = rasa.say(new_sender(), "조회")  # 잔액? 신용점수? 대출?
    with_buttons = [r for r in replies if r.get("buttons")]
    assert with_buttons, replies
    assert len(with_buttons[0]["buttons"]) == 2
    assert "이 중 하나" in with_buttons[0]["text"]


@pytest.mark.parametrize("mash", ["asdf qwer", "ㅁㄴㅇㄹ", "뷁뷁 쀍"])
def test_nonsense_asks_to_rephrase_without_guessing(rasa, mash):
    replies = rasa.say(new_sender(), mash)
    assert "다르게 말씀해" in texts(replies)
    assert [b["payload"] for r in replies for b in r.get("buttons", [])] == ["/help"]


def test_out_of_scope_says_what_it_can_do(rasa):
    reply = texts(rasa.say(new_sender(), "오늘 서울 날씨 어때?"))
    assert "도와드려요" in reply or "도와드릴" in reply


def test_human_handoff_explains_the_next_step(rasa):
    reply = texts(rasa.say(new_sender(), "상담원이랑 얘기하고 싶어요"))
    assert "상담원" in reply


def test_conversation_is_kept_in_the_tracker_store(rasa):
    sender = new_sender()
    rasa.say(sender, "안녕하세요")
    rasa.say(sender, "고마워요")
    events = rasa.tracker(sender)["events"]
    user_texts = [e.get("text") for e in events if e.get("event") == "user"]
    assert user_texts == ["안녕하세요", "고마워요"]
