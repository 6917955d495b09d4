from pathlib import Path

import pytest

from bot.kb.lexicon import DEFAULT_LEXICON_PATH, InstitutionEntry, load_lexicon


@pytest.mark.parametrize("name", ["KB국민은행", "국민", "kb국민은행", "B0010001"])
def test_an_institution_is_found_by_its_name_any_written_form_or_its_org_code(name):
    lexicon = load_lexicon()
    assert lexicon.institution(name) == InstitutionEntry("B0010001", "KB국민은행", "bank")
    assert lexicon.org_code_of(name) == "B0010001"


@pytest.mark.parametrize("name", ["없는은행", "", None, "스타벅스"])
def test_an_unknown_institution_has_no_org_code(name):
    assert load_lexicon().org_code_of(name) is None


def test_the_lexicon_is_read_once_whatever_the_path_is_written_like():
    assert load_lexicon() is load_lexicon(str(DEFAULT_LEXICON_PATH)) is load_lexicon(DEFAULT_LEXICON_PATH)


def test_merchants_carry_a_listed_category_and_institutions_an_org_code_and_kind():
    lexicon = load_lexicon()
    assert lexicon.merchant_by_name["스타벅스"].category in lexicon.categories
    assert {i.kind for i in lexicon.institutions} == {"bank", "card", "securities", "insurance", "capital"}
    assert len(lexicon.by_org) == len(lexicon.institutions)


def test_a_merchant_in_an_unknown_category_is_refused(tmp_path: Path):
    path = tmp_path / "lexicons.yml"
    path.write_text(
        "category:\n  - {value: 카페}\nmerchant:\n  - {value: 스타벅스, category: 커피}\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="커피"):
        load_lexicon(path)
