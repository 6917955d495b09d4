"""The character n-gram intent classifier, alone and as a Rasa component."""
import pytest

from bot.nlp.intent_model import CharNgramIntentModel, Prediction

TRAIN = [
    ("잔액 알려줘", "check_balance"), ("국민은행 잔고 얼마야", "check_balance"),
    ("통장에 돈 얼마 있어", "check_balance"), ("잔액조회", "check_balance"),
    ("카드 잃어버렸어요", "faq/lost_card"), ("카드 분실 신고", "faq/lost_card"),
    ("카드를 분실했는데 어떡해요", "faq/lost_card"),
    ("이체 한도 얼마야", "faq/transfer_limit"), ("하루 이체한도 늘리는 법", "faq/transfer_limit"),
    ("송금 한도 초과래요", "faq/transfer_limit"),
    ("오백만원이요", "inform"), ("3년이요", "inform"), ("지난달요", "inform"),
]


@pytest.fixture(scope="module")
def model():
    texts, labels = zip(*TRAIN)
    return CharNgramIntentModel().fit(texts, labels)


def test_topics_are_labels_of_their_own(model):
    assert set(model.classes_) == {label for _, label in TRAIN}
    assert model.predict(["카드 잃어버림"])[0].ranking[0][0] == "faq/lost_card"
    assert model.predict(["잔액알려줘"])[0].ranking[0][0] == "check_balance"


def test_an_amount_alone_reads_as_an_answer(model):
    assert model.predict(["칠십만 원이요"])[0].ranking[0][0] == "inform"


def test_probabilities_sum_to_one_and_are_sorted(model):
    ranking = model.predict(["이체한도"])[0].ranking
    assert sum(p for _, p in ranking) == pytest.approx(1.0)
    assert [p for _, p in ranking] == sorted((p for _, p in ranking), reverse=True)


def test_a_retrieval_intent_takes_its_best_topic():
    prediction = Prediction([("faq/a", 0.3), ("greet", 0.25), ("faq/b", 0.25), ("thank", 0.2)])
    assert prediction.collapsed() == [("faq", 0.3), ("greet", 0.25), ("thank", 0.2)]
    topics = prediction.topics("faq")
    assert [k for k, _ in topics] == ["faq/a", "faq/b"]
    assert sum(p for _, p in topics) == pytest.approx(1.0)


def test_one_intent_is_not_enough():
    with pytest.raises(ValueError):
        CharNgramIntentModel().fit(["안녕", "하이"], ["greet", "greet"])


def test_rasa_component_trains_persists_and_answers_like_a_response_selector(tmp_path):
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.rasa.components import CharNgramIntentClassifier

    examples = []
    for text, label in TRAIN:
        data = {"text": text, "intent": label.split("/")[0]}
        if "/" in label:
            data["intent_response_key"] = label
        examples.append(Message(data=data))
    responses = {"utter_faq/lost_card": [{"text": "분실 신고는 ..."}],
                 "utter_faq/transfer_limit": [{"text": "이체 한도는 ..."}]}
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent")
    context = ExecutionContext(graph_schema=None, model_id="test")
    component = CharNgramIntentClassifier.create({}, storage, resource, context)
    component.train(TrainingData(examples, responses=responses))

    loaded = CharNgramIntentClassifier.load({}, storage, resource, context)
    message = Message(data={"text": "카드를 잃어버렸어요ㅠㅠ"})
    loaded.process([message])
    assert message.get("intent")["name"] == "faq"
    assert message.get("intent_ranking")[0] == message.get("intent")
    selected = message.get("response_selector")["faq"]["response"]
    assert selected["intent_response_key"] == "faq/lost_card"
    assert selected["utter_action"] == "utter_faq/lost_card"
    assert selected["responses"] == [{"text": "분실 신고는 ..."}]
    assert message.get("response_selector")["faq"]["ranking"][0]["intent_response_key"] == "faq/lost_card"

    other = Message(data={"text": "국민은행 잔액 알려줘"})
    loaded.process([other])
    assert other.get("intent")["name"] == "check_balance"


def test_keyboard_mashes_are_seeded_and_never_a_meaningful_jamo_run():
    from bot.nlp.intent_model import keyboard_mashes

    mashes = keyboard_mashes(200, seed=3)
    assert mashes == keyboard_mashes(200, seed=3) and len(mashes) == 200
    for mash in mashes:
        for word in mash.split():
            assert len(set(word)) > 1 or not ("ㄱ" <= word[0] <= "ㅣ"), mash


def test_nonsense_is_no_likely_intent_but_real_messages_stay_sure():
    from bot.nlp.intent_model import NONSENSE, keyboard_mashes

    texts, labels = zip(*TRAIN)
    model = CharNgramIntentModel(nonsense_examples=150).fit(texts, labels)
    assert NONSENSE in model.classes_
    unseen = keyboard_mashes(50, seed=99)
    unsure = [m for m in unseen if model.predict([m])[0].collapsed()[0][1] < 0.2]
    assert len(unsure) >= 40, [(m, model.predict([m])[0].collapsed()[0]) for m in unseen]
    assert all(label != NONSENSE for label, _ in model.predict(["잔액알려줘"])[0].ranking)
    assert model.predict(["잔액알려줘"])[0].ranking[0][0] == "check_balance"


def test_a_text_of_characters_never_seen_has_no_likely_intent(model):
    ranking = model.predict(["뷁뷁 쀍"])[0].ranking
    assert max(p for _, p in ranking) == 0.0
