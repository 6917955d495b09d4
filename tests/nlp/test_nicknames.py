"""Institution names read from context: 우리/하나 as banks only beside a bank
word, group names (삼성, 현대) by the kind asked about, nicknames, particles."""
import pytest

from bot.kb.lexicon import load_lexicon
from bot.nlp.entities import extract_lexicon_entities


def institutions(text, intent="check_balance"):
    return [
        (text[e["start"]:e["end"]], e["value"])
        for e in extract_lexicon_entities(text, intent)
        if e["entity"] == "institution"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("우리 통장 잔액 얼마야", [("우리", "우리은행")]),
        ("하나 통장에 얼마 있어", [("하나", "하나은행")]),
        ("하나적금 얼마 모였지", [("하나", "하나은행")]),
        ("우리 계좌 잔고", [("우리", "우리은행")]),
        ("하나 대출 금리", [("하나", "하나은행")]),
        ("신한이랑 우리 잔액", [("신한", "신한은행"), ("우리", "우리은행")]),
        ("우리랑 신한 잔액 알려줘", [("우리", "우리은행"), ("신한", "신한은행")]),
        ("국민, 하나, 우리 잔액 다", [("국민", "KB국민은행"), ("하나", "하나은행"), ("우리", "우리은행")]),
        ("우리은행이랑 하나 잔액", [("우리은행", "우리은행"), ("하나", "하나은행")]),
        ("카카오 통장 잔액", [("카카오", "카카오뱅크")]),
    ],
)
def test_common_word_banks_in_context(text, expected):
    assert institutions(text) == expected


def test_a_card_company_beside_it_makes_uri_the_card_company():
    assert institutions("신한카드랑 우리 결제일", "card_bill") == [
        ("신한카드", "신한카드"),
        ("우리", "우리카드"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "우리 가족 한 달 지출", "하나만 보여줘", "우리 집 관리비", "하나도 없어", "우리 잔액 얼마야",
        "통장 하나 더 만들까", "우리 엄마 카드값", "하나씩 보여줘", "우리는 얼마 썼어",
        "카카오페이 결제 내역", "롯데에서 쓴 거", "하나 더 물어볼게",
    ],
)
def test_common_words_out_of_context_are_no_institution(text):
    assert institutions(text) == []


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("삼성 카드값 얼마", "card_bill", "삼성카드"),
        ("삼성 결제일 언제야", "card_bill", "삼성카드"),
        ("삼성은 이번 달 얼마 나와", "card_bill", "삼성카드"),
        ("현대 결제일 언제야", "card_bill", "현대카드"),
        ("현대 대출 남은 거", "loan_status", "현대캐피탈"),
        ("삼성 보험 뭐 있어", "insurance_summary", "삼성생명"),
        ("삼성은 자동차보험 있나", "insurance_summary", "삼성화재"),
        ("삼성 증권계좌 수익률", "investment_summary", "삼성증권"),
        ("롯데 카드값", "card_bill", "롯데카드"),
        ("한화 보험 가입 내역", "insurance_summary", "한화생명"),
        ("신한 카드값 얼마", "card_bill", "신한카드"),
        ("신한은 얼마 나와", "card_bill", "신한카드"),
        ("국민 체크카드 결제 내역", "search_transactions", "KB국민카드"),
        ("농협 증권 계좌", "investment_summary", "NH투자증권"),
        ("신한 잔액", "check_balance", "신한은행"),
    ],
)
def test_group_names_take_the_member_of_the_kind_asked_about(text, intent, expected):
    assert [value for _, value in institutions(text, intent)] == [expected]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("삼성 주가 어때", "investment_summary"),
        ("삼성 연결해줘", "connect_institution"),
        ("삼성전자 주식 수익률", "investment_summary"),
        ("현대 사회에서 돈 모으기", "financial_advice"),
    ],
)
def test_a_group_name_the_context_does_not_settle_is_left_out(text, intent):
    assert institutions(text, intent) == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("카뱅 잔액", "카카오뱅크"), ("케뱅 잔액", "케이뱅크"), ("농협 잔액", "NH농협은행"),
        ("국민 잔액", "KB국민은행"), ("신한 잔액", "신한은행"), ("미래에셋 계좌", "미래에셋증권"),
        ("기은 잔액", "IBK기업은행"), ("한투 계좌", "한국투자증권"), ("키움 계좌", "키움증권"),
        ("BNK 잔액", "BNK부산은행"), ("DGB 잔액", "iM뱅크"), ("SC 잔액", "SC제일은행"),
        ("DB화재 보험", "DB손해보험"), ("비씨 카드값", "BC카드"), ("토스 잔액", "토스뱅크"),
        ("NH농협 잔액", "NH농협은행"),
    ],
)
def test_nicknames(text, value):
    assert [v for _, v in institutions(text)] == [value]


def test_every_brand_member_is_an_institution_of_that_kind():
    lexicon = load_lexicon()
    for brand in lexicon.brands:
        for kind, members in brand.members.items():
            for member in members:
                entry = lexicon.entry("institution", member)
                assert entry is not None and entry.attributes["kind"] == kind, (brand.word, member)


def test_brands_are_no_entity_type():
    assert "institution_brand" not in load_lexicon().entity_types()


PARTICLES = [
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "에서",
    "의",
    "도",
    "만",
    "이랑",
    "랑",
    "하고",
    "으로",
    "로",
]
NAMES = [
    "삼성화재",
    "우리은행",
    "하나카드",
    "카카오뱅크",
    "신한카드",
    "미래에셋증권",
    "현대해상",
    "KB국민은행",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_name_with_any_particle_is_found_without_the_particle(name):
    for particle in PARTICLES:
        text = f"{name}{particle} 얼마야"
        assert institutions(text) == [(name, name)], text
