"""The project honours ../shared/spec/conversation.md and its own data rules."""
import collections
import re
from pathlib import Path

import pytest
import yaml

from bot.kb.faq import load_faq, render_responses
from bot.kb.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "conversation.md"

CONTRACT_INTENTS = """greet goodbye affirm deny thank bot_challenge help human_handoff out_of_scope
inform check_balance list_accounts total_assets search_transactions spending_summary
income_summary card_bill loan_status insurance_summary investment_summary recurring_payments
connect_institution list_consents revoke_consent credit_score loan_eligibility
recommend_product financial_advice""".split()
CONTRACT_FAQ = """transfer_limit transfer_fee business_hours lost_card password_locked certificate
otp open_account dormant_account deposit_protection interest_tax loan_documents
credit_score_tips mydata_what mydata_consent mydata_security phishing""".split()
CONTRACT_ENTITIES = (
    "institution account_type amount period merchant category product_type loan_purpose".split()
)


def nlu_examples():
    by_intent = collections.defaultdict(list)
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = [
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
                by_intent[block["intent"]].extend(lines)
    return by_intent


def plain(example: str) -> str:
    return re.sub(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}", lambda m: m.group(1) or m.group(2), example)


@pytest.mark.skipif(not SPEC.exists(), reason="the shared spec sits beside the repo")
def test_spec_lists_the_intents_this_test_checks():
    spec = SPEC.read_text(encoding="utf-8")
    for intent in CONTRACT_INTENTS + [f"faq/{t}" for t in CONTRACT_FAQ] + CONTRACT_ENTITIES:
        assert intent in spec


def test_domain_declares_contract_intents_and_entities():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(CONTRACT_INTENTS) | {"faq"} <= set(domain["intents"])
    declared = {e if isinstance(e, str) else next(iter(e)) for e in domain["entities"]}
    assert set(CONTRACT_ENTITIES) <= declared


def test_every_intent_and_faq_topic_has_at_least_40_examples():
    examples = nlu_examples()
    wanted = CONTRACT_INTENTS + [f"faq/{t}" for t in CONTRACT_FAQ]
    short = {i: len(examples.get(i, [])) for i in wanted if len(examples.get(i, [])) < 40}
    assert short == {}


def test_no_example_is_written_twice():
    seen = collections.Counter(
        plain(e).replace(" ", "") for lines in nlu_examples().values() for e in lines
    )
    assert [e for e, n in seen.items() if n > 1] == []


def test_every_faq_topic_has_an_answer_with_a_next_step():
    answers = load_faq()
    assert set(CONTRACT_FAQ) <= set(answers)
    for answer in answers.values():
        assert answer.answer.strip() and answer.more.strip()
        assert "더 알아보기" in answer.as_text()


def test_faq_answers_state_current_korean_figures():
    answers = load_faq()
    assert "1억" in answers["deposit_protection"].answer
    assert "15.4%" in answers["interest_tax"].answer
    assert "112" in answers["phishing"].answer + answers["phishing"].more


def test_rendered_responses_cover_every_topic():
    rendered = yaml.safe_load(render_responses(load_faq()))["responses"]
    assert {f"utter_faq/{t}" for t in CONTRACT_FAQ} <= set(rendered)


def test_annotated_lexicon_entities_are_known_to_the_lexicon():
    lexicon = load_lexicon()
    # 우리, 삼성…: institutions in context only (bot.nlp.nicknames), listed as brands
    brands = {b.word.lower() for b in lexicon.brands}
    unknown = []
    pattern = re.compile(r"\[([^\]]+)\]\((\w+)(?::[^)]+)?\)")
    for intent, lines in nlu_examples().items():
        for line in lines:
            for text, entity in pattern.findall(line):
                if entity == "institution" and text.lower() in brands:
                    continue
                if entity in lexicon.entity_types() and lexicon.canonical(entity, text) is None:
                    unknown.append((intent, entity, text))
    assert unknown == []
