import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.advisor.catalog import DEFAULT_CATALOG_PATH, CatalogError, load_catalog, parse_catalog
from bot.advisor.eligibility import PURPOSE_LOANS
from bot.kb.lexicon import load_lexicon

RAW = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))


def lexicon_values(entity):
    return {entry.value: entry.attributes for entry in load_lexicon().of_type(entity)}


def test_catalog_loads_the_sample_products():
    catalog = load_catalog()
    assert isinstance(catalog.updated, date)
    assert "샘플" in catalog.note
    assert len(catalog.deposits) >= 6 and len(catalog.savings) >= 6
    assert len(catalog.cards) >= 8 and len(catalog.loans) >= 6
    assert {c.card_type for c in catalog.cards} == {"credit", "check"}
    assert {loan.loan_type for loan in catalog.loans} >= {
        "신용대출",
        "마이너스통장",
        "전세자금대출",
        "사업자대출",
        "대환대출",
    }


def test_products_use_lexicon_institutions_categories_and_purposes():
    catalog = load_catalog()
    institutions = lexicon_values("institution")
    categories, merchants = set(lexicon_values("category")), set(lexicon_values("merchant"))
    for product in (*catalog.deposits, *catalog.savings):
        assert institutions[product.issuer]["kind"] == "bank"
        assert all(isinstance(r, Decimal) for _, r in product.base_rates)
    for card in catalog.cards:
        assert institutions[card.issuer]["kind"] == "card"
        for benefit in card.benefits:
            assert set(benefit.categories) <= categories and set(benefit.merchants) <= merchants
    for loan in catalog.loans:
        assert institutions[loan.issuer]["kind"] in ("bank", "capital")
        assert isinstance(loan.min_rate, Decimal) and loan.min_rate <= loan.max_rate
    assert set(lexicon_values("loan_purpose")) == {p for loan in catalog.loans for p in loan.purposes}


def test_every_lexicon_loan_purpose_has_a_dsr_rule():
    assert set(PURPOSE_LOANS) == set(lexicon_values("loan_purpose"))


def test_a_nonbank_lender_is_marked_for_the_50_percent_dsr_limit():
    loan = load_catalog().product("loan-hyundaicap-credit")
    assert loan.lender_kind == "nonbank"
    assert load_catalog().product("loan-kb-worker").lender_kind == "bank"


def broken(edit):
    raw = copy.deepcopy(RAW)
    edit(raw)
    with pytest.raises(CatalogError) as error:
        parse_catalog(raw)
    return str(error.value)


def test_an_unquoted_rate_is_refused_with_its_location():
    message = broken(lambda raw: raw["deposits"][0]["base_rates"].update({12: 2.8}))
    assert "products.yml: deposits[0].base_rates[12]" in message and "quoted" in message


def test_an_unknown_issuer_or_wrong_kind_is_refused():
    assert "not an institution" in broken(lambda raw: raw["cards"][0].update(issuer="가짜카드"))
    assert "expected card" in broken(lambda raw: raw["cards"][0].update(issuer="KB국민은행"))


def test_an_unknown_category_or_merchant_is_refused():
    assert "cards[0].benefits[1].categories" in broken(
        lambda raw: raw["cards"][0]["benefits"][1].update(categories=["커피숍"]))
    assert "merchant" in broken(
        lambda raw: raw["cards"][0]["benefits"][0].update(merchants=["스타벅스코리아"])
    )


def test_a_misspelt_field_is_refused_not_ignored():
    message = broken(lambda raw: raw["cards"][0]["benefits"][0].update(monthy_cap=5000))
    assert "unknown field(s) monthy_cap" in message


def test_money_must_be_integer_won():
    assert "integer won" in broken(lambda raw: raw["cards"][0].update(annual_fee="15,000"))


def test_duplicate_ids_and_bad_loan_shapes_are_refused():
    assert "used twice" in broken(lambda raw: raw["savings"][1].update(id=raw["savings"][0]["id"]))
    assert "below min_rate" in broken(lambda raw: raw["loans"][0].update(min_rate="9.00"))
    assert "loan_purpose" in broken(lambda raw: raw["loans"][0].update(purposes=["여행자금"]))
    assert "exactly one of rate" in broken(lambda raw: raw["cards"][1]["benefits"][0].update(rate="5"))


def test_unreadable_or_invalid_files_raise_catalog_error(tmp_path: Path):
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("deposits: [\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)
    empty = tmp_path / "empty.yml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CatalogError, match="expected a mapping"):
        load_catalog(empty)
