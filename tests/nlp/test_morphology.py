import pytest

from bot.kb.lexicon import load_lexicon
from bot.nlp.morphology import default_analyzer, user_dictionary_lines


@pytest.fixture(scope="module")
def analyzer():
    return default_analyzer()


def lemmas(analyzer, text):
    return [s.lemma for s in analyzer.segments(text)]


@pytest.mark.parametrize("text", ["잔액알려줘", "잔액 알려줘", "잔액을 알려 주세요", "잔액    알려줘  "])
def test_spacing_variants_share_content_lemmas(analyzer, text):
    got = lemmas(analyzer, text)
    assert "잔액" in got
    assert "알리다" in got


@pytest.mark.parametrize(
    "text, whole",
    [
        ("국민은행 체크카드 마이데이터 연결해줘", ["국민은행", "체크카드", "마이데이터"]),
        ("카뱅이랑 케뱅 잔액", ["카뱅", "케뱅"]),
        ("배달의민족에서 쓴 돈", ["배달의민족"]),
        ("KB국민은행에서 이체", ["KB국민은행"]),
    ],
)
def test_user_dictionary_keeps_finance_words_whole(analyzer, text, whole):
    pieces = [s.text for s in analyzer.segments(text)]
    for word in whole:
        assert word in pieces


@pytest.mark.parametrize(
    "text",
    [
        "잔액알려줘",
        "카뱅 잔엑 얼마야ㅋㅋ",
        "\n잔액\n",
        "잔액\t\t알려 \n 주세요",
        "😀 카드값?",
        "ㅋㅋㅋㅋ",
        "50,000원 1.5억",
    ],
)
def test_segments_are_exact_slices_covering_all_text(analyzer, text):
    segments = analyzer.segments(text)
    assert all(text[s.start:s.end] == s.text for s in segments)
    covered = "".join(s.text for s in segments)
    assert covered == "".join(text.split())
    starts = [s.start for s in segments]
    assert starts == sorted(starts)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_has_no_segments(analyzer, text):
    assert analyzer.segments(text) == []


def test_predicates_get_dictionary_form(analyzer):
    by_text = {s.text: s for s in analyzer.segments("지난달에 얼마 썼어")}
    assert by_text["썼"].lemma == "쓰다"
    assert by_text["썼"].tag == "VV"


def test_user_dictionary_lists_one_word_forms_only():
    lines = user_dictionary_lines(load_lexicon())
    assert "KB국민은행\tNNP" in lines
    assert all("\t" in line and " " not in line.split("\t")[0] for line in lines)


def test_jamo_after_a_word_is_its_own_segment():
    from bot.nlp.morphology import default_analyzer

    segments = default_analyzer().segments("빚ㅠㅠ 언제 갚냐")
    assert [s.text for s in segments][:2] == ["빚", "ㅠㅠ"]
    assert all("빚ㅠㅠ 언제 갚냐"[s.start:s.end] == s.text for s in segments)
