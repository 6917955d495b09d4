"""The rephrase buttons: the two likeliest meanings, never a guess nobody would make."""
from actions.fallback import likely_options


def message(ranking, faq_topic=None):
    found = {"intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]}
    if faq_topic:
        found["response_selector"] = {
            "faq": {"ranking": [{"intent_response_key": f"faq/{faq_topic}", "confidence": 0.9}]}
        }
    return found


def test_two_likely_intents_become_two_buttons():
    options = likely_options(
        message([("nlu_fallback", 0.25), ("check_balance", 0.23), ("credit_score", 0.18)])
    )
    assert [o["payload"] for o in options] == ["/check_balance", "/credit_score"]


def test_a_likely_faq_offers_its_topic():
    options = likely_options(
        message([("nlu_fallback", 0.25), ("faq", 0.2), ("check_balance", 0.1)], "lost_card")
    )
    assert len(options) == 2 and options[1]["payload"] == "/check_balance"
    assert options[0]["payload"].endswith("알려주세요")


def test_answers_and_near_zero_guesses_are_not_offered():
    assert likely_options(message([("nlu_fallback", 0.25), ("affirm", 0.2), ("inform", 0.1)])) == []
    assert likely_options(message([("nlu_fallback", 0.25), ("goodbye", 0.001), ("out_of_scope", 0.0)])) == []
