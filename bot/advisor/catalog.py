"""The product catalog (`knowledge_base/products.yml`) as checked, typed Python objects.

The catalog is data that non-engineers edit, and every recommendation quotes it to a
customer, so a load either yields products whose every field was checked against the
lexicon (issuers, categories, merchants, loan purposes) or fails naming the file, the
product and the field. Unknown keys are refused so a misspelt cap is not silently ignored.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import yaml

from bot.advisor.errors import CatalogError
from bot.kb.lexicon import DEFAULT_LEXICON_PATH, Lexicon, load_lexicon

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOG_PATH = REPO_ROOT / "knowledge_base" / "products.yml"

BONUS_KINDS = ("급여이체", "자동이체", "신규고객", "카드실적", "마케팅동의", "비대면가입")
SAVINGS_KINDS = ("자유", "정액")
CARD_TYPES = ("credit", "check")
BENEFIT_KINDS = ("할인", "적립", "캐시백")
LOAN_TYPES = ("신용대출", "마이너스통장", "전세자금대출", "사업자대출", "대환대출")
LOAN_REPAYMENTS = ("원리금균등", "만기일시", "한도")
RATE_TYPES = ("variable", "fixed")
NONBANK_KINDS = ("capital",)
LEGAL_MAX_RATE = Decimal("20")  # 법정 최고금리, % per year


@dataclass(frozen=True)
class RateBonus:
    """A 우대금리 and the condition (kind) that earns it."""

    kind: str
    label: str
    rate: Decimal


@dataclass(frozen=True)
class RatedProduct:
    id: str
    name: str
    issuer: str
    base_rates: Tuple[Tuple[int, Decimal], ...]  # (term months, % per year), ascending terms
    bonuses: Tuple[RateBonus, ...]

    @property
    def terms(self) -> Tuple[int, ...]:
        return tuple(term for term, _ in self.base_rates)

    def base_rate(self, term_months: int) -> Optional[Decimal]:
        return dict(self.base_rates).get(term_months)

    @property
    def max_bonus(self) -> Decimal:
        return sum((bonus.rate for bonus in self.bonuses), Decimal(0))


@dataclass(frozen=True, kw_only=True)
class DepositProduct(RatedProduct):
    """정기예금: a lump sum for a fixed term."""

    min_amount: int
    max_amount: Optional[int]


@dataclass(frozen=True, kw_only=True)
class SavingsProduct(RatedProduct):
    """적금: monthly deposits for a fixed term; 자유 (any amount) or 정액 (fixed amount)."""

    kind: str
    min_monthly: int
    monthly_limit: int


@dataclass(frozen=True)
class CardBenefit:
    """One benefit line: a rate or a fixed amount per transaction, on merchants, categories or all."""

    label: str
    kind: str
    rate: Optional[Decimal]  # % of the amount
    per_transaction: Optional[int]  # won off each qualifying transaction
    merchants: Tuple[str, ...]
    categories: Tuple[str, ...]
    all_merchants: bool
    min_amount: int
    monthly_cap: Optional[int]
    monthly_count: Optional[int]

    @property
    def scope_label(self) -> str:
        if self.all_merchants:
            return "전체"
        return "·".join(self.merchants or self.categories)


@dataclass(frozen=True)
class CardProduct:
    """A credit or check card: fee, 전월실적 requirement and its benefits in priority order."""

    id: str
    name: str
    issuer: str
    card_type: str
    annual_fee: int
    min_prev_month_spend: int
    performance_excludes: Tuple[str, ...]  # categories that do not count toward 전월실적
    excluded_categories: Tuple[str, ...]  # categories that never earn a benefit
    total_monthly_cap: Optional[int]
    benefits: Tuple[CardBenefit, ...]


@dataclass(frozen=True)
class LoanProduct:
    """A loan: who may get it (purpose, score), for how much and how long, at what rates."""

    id: str
    name: str
    issuer: str
    lender_kind: str  # bank (1금융권) | nonbank
    loan_type: str
    purposes: Tuple[str, ...]
    min_rate: Decimal
    max_rate: Decimal
    min_amount: int
    max_amount: int
    min_term: int
    max_term: int
    min_score: int
    repayment: str
    rate_type: str
    max_income_multiple: Optional[Decimal]
    max_deposit_ratio: Optional[Decimal]

    @property
    def dsr_kind(self) -> str:
        """The kind the DSR rules know this loan as (a 대환대출 is a new 신용대출)."""
        return "신용대출" if self.loan_type == "대환대출" else self.loan_type


Product = Union[DepositProduct, SavingsProduct, CardProduct, LoanProduct]


@dataclass(frozen=True)
class Catalog:
    updated: date
    note: str
    deposits: Tuple[DepositProduct, ...]
    savings: Tuple[SavingsProduct, ...]
    cards: Tuple[CardProduct, ...]
    loans: Tuple[LoanProduct, ...]

    def all_products(self) -> Tuple[Product, ...]:
        return (*self.deposits, *self.savings, *self.cards, *self.loans)

    def product(self, product_id: str) -> Product:
        for product in self.all_products():
            if product.id == product_id:
                return product
        raise KeyError(product_id)


class _Reader:
    """Typed field access that reports where in the file a value is wrong."""

    def __init__(self, path: Path, lexicon: Lexicon) -> None:
        self.path = path
        self.institutions = {e.value: e.attributes.get("kind", "") for e in lexicon.of_type("institution")}
        self.categories = {e.value for e in lexicon.of_type("category")}
        self.merchants = {e.value for e in lexicon.of_type("merchant")}
        self.purposes = {e.value for e in lexicon.of_type("loan_purpose")}

    def fail(self, where: str, problem: str) -> CatalogError:
        return CatalogError(f"{self.path.name}: {where}: {problem}")

    def mapping(
        self, value: Any, where: str, required: Sequence[str], optional: Sequence[str] = ()
    ) -> Dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        missing = [k for k in required if k not in value]
        if missing:
            raise self.fail(where, f"missing {', '.join(missing)}")
        unknown = sorted(str(k) for k in value if k not in required and k not in optional)
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(unknown)}")
        return value

    def text(self, value: Any, where: str, choices: Optional[Sequence[str]] = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected non-empty text, got {value!r}")
        if choices is not None and value not in choices:
            raise self.fail(where, f"{value!r} is not one of {', '.join(choices)}")
        return value.strip()

    def won(self, value: Any, where: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected integer won, got {value!r}")
        if value < minimum:
            raise self.fail(where, f"must be at least {minimum:,}, got {value:,}")
        return value

    def optional_won(self, value: Any, where: str, minimum: int = 0) -> Optional[int]:
        return None if value is None else self.won(value, where, minimum)

    def rate(self, value: Any, where: str, maximum: Decimal = Decimal(100)) -> Decimal:
        if not isinstance(value, str):
            raise self.fail(where, f"rates are quoted strings like \"3.55\", got {value!r}")
        try:
            rate = Decimal(value.strip())
        except InvalidOperation:
            raise self.fail(where, f"{value!r} is not a rate like \"3.55\"") from None
        if not rate.is_finite() or rate < 0 or rate > maximum:
            raise self.fail(where, f"{value!r} is outside 0..{maximum}")
        return rate

    def items(self, value: Any, where: str, allow_empty: bool = True) -> List[Any]:
        if value is None and allow_empty:
            return []
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(where, "expected a non-empty list" if not allow_empty else "expected a list")
        return value

    def names(
        self, value: Any, where: str, known: set, what: str, allow_empty: bool = True
    ) -> Tuple[str, ...]:
        names = tuple(
            self.text(v, f"{where}[{i}]") for i, v in enumerate(self.items(value, where, allow_empty))
        )
        unknown = [n for n in names if n not in known]
        if unknown:
            raise self.fail(where, f"{', '.join(unknown)} not a {what} value in lexicons.yml")
        return names

    def issuer(self, value: Any, where: str, kinds: Sequence[str]) -> str:
        issuer = self.text(value, where)
        if issuer not in self.institutions:
            raise self.fail(where, f"{issuer!r} is not an institution in lexicons.yml")
        if self.institutions[issuer] not in kinds:
            raise self.fail(
                where, f"{issuer!r} is a {self.institutions[issuer]}, expected {' or '.join(kinds)}"
            )
        return issuer

    def base_rates(self, value: Any, where: str) -> Tuple[Tuple[int, Decimal], ...]:
        if not isinstance(value, dict) or not value:
            raise self.fail(where, "expected a mapping of term months to rates")
        pairs = []
        for term, rate in value.items():
            if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 120:
                raise self.fail(where, f"term {term!r} is not a number of months (1..120)")
            pairs.append((term, self.rate(rate, f"{where}[{term}]")))
        return tuple(sorted(pairs))

    def bonuses(self, value: Any, where: str) -> Tuple[RateBonus, ...]:
        bonuses = []
        for i, raw in enumerate(self.items(value, where)):
            at = f"{where}[{i}]"
            item = self.mapping(raw, at, ("kind", "label", "rate"))
            bonuses.append(RateBonus(
                kind=self.text(item["kind"], f"{at}.kind", BONUS_KINDS),
                label=self.text(item["label"], f"{at}.label"),
                rate=self.rate(item["rate"], f"{at}.rate", Decimal(10)),
            ))
        return tuple(bonuses)


def _deposit(r: _Reader, raw: Any, at: str) -> DepositProduct:
    item = r.mapping(raw, at, ("id", "name", "issuer", "min_amount", "base_rates"), ("max_amount", "bonuses"))
    product = DepositProduct(
        id=r.text(item["id"], f"{at}.id"),
        name=r.text(item["name"], f"{at}.name"),
        issuer=r.issuer(item["issuer"], f"{at}.issuer", ("bank",)),
        base_rates=r.base_rates(item["base_rates"], f"{at}.base_rates"),
        bonuses=r.bonuses(item.get("bonuses"), f"{at}.bonuses"),
        min_amount=r.won(item["min_amount"], f"{at}.min_amount", 1),
        max_amount=r.optional_won(item.get("max_amount"), f"{at}.max_amount", 1),
    )
    if product.max_amount is not None and product.max_amount < product.min_amount:
        raise r.fail(f"{at}.max_amount", "is below min_amount")
    return product


def _savings(r: _Reader, raw: Any, at: str) -> SavingsProduct:
    item = r.mapping(raw, at, ("id", "name", "issuer", "kind", "min_monthly", "monthly_limit", "base_rates"),
                     ("bonuses",))
    product = SavingsProduct(
        id=r.text(item["id"], f"{at}.id"),
        name=r.text(item["name"], f"{at}.name"),
        issuer=r.issuer(item["issuer"], f"{at}.issuer", ("bank",)),
        base_rates=r.base_rates(item["base_rates"], f"{at}.base_rates"),
        bonuses=r.bonuses(item.get("bonuses"), f"{at}.bonuses"),
        kind=r.text(item["kind"], f"{at}.kind", SAVINGS_KINDS),
        min_monthly=r.won(item["min_monthly"], f"{at}.min_monthly", 1),
        monthly_limit=r.won(item["monthly_limit"], f"{at}.monthly_limit", 1),
    )
    if product.monthly_limit < product.min_monthly:
        raise r.fail(f"{at}.monthly_limit", "is below min_monthly")
    return product


def _benefit(r: _Reader, raw: Any, at: str) -> CardBenefit:
    item = r.mapping(
        raw,
        at,
        ("label",),
        (
            "kind",
            "rate",
            "per_transaction",
            "merchants",
            "categories",
            "all",
            "min_amount",
            "monthly_cap",
            "monthly_count",
        ),
    )
    if ("rate" in item) == ("per_transaction" in item):
        raise r.fail(at, "give exactly one of rate or per_transaction")
    scopes = [key for key in ("merchants", "categories", "all") if item.get(key)]
    if len(scopes) != 1:
        raise r.fail(at, "give exactly one scope: merchants, categories or all: true")
    if "all" in item and item["all"] is not True:
        raise r.fail(f"{at}.all", "write all: true or leave it out")
    count = item.get("monthly_count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise r.fail(f"{at}.monthly_count", f"expected a positive integer, got {count!r}")
    return CardBenefit(
        label=r.text(item["label"], f"{at}.label"),
        kind=r.text(item.get("kind", "할인"), f"{at}.kind", BENEFIT_KINDS),
        rate=r.rate(item["rate"], f"{at}.rate") if "rate" in item else None,
        per_transaction=r.won(item["per_transaction"], f"{at}.per_transaction", 1)
        if "per_transaction" in item
        else None,
        merchants=r.names(item.get("merchants"), f"{at}.merchants", r.merchants, "merchant"),
        categories=r.names(item.get("categories"), f"{at}.categories", r.categories, "category"),
        all_merchants=bool(item.get("all")),
        min_amount=r.won(item.get("min_amount", 0), f"{at}.min_amount"),
        monthly_cap=r.optional_won(item.get("monthly_cap"), f"{at}.monthly_cap", 1),
        monthly_count=count,
    )


def _card(r: _Reader, raw: Any, at: str) -> CardProduct:
    item = r.mapping(
        raw,
        at,
        ("id", "name", "issuer", "type", "annual_fee", "min_prev_month_spend", "benefits"),
        ("performance_excludes", "excluded_categories", "total_monthly_cap"),
    )
    benefits = tuple(_benefit(r, b, f"{at}.benefits[{i}]")
                     for i, b in enumerate(r.items(item["benefits"], f"{at}.benefits", allow_empty=False)))
    excluded = r.names(item.get("excluded_categories"), f"{at}.excluded_categories", r.categories, "category")
    clash = sorted({c for b in benefits for c in b.categories} & set(excluded))
    if clash:
        raise r.fail(f"{at}.excluded_categories", f"{', '.join(clash)} also has a benefit")
    return CardProduct(
        id=r.text(item["id"], f"{at}.id"),
        name=r.text(item["name"], f"{at}.name"),
        issuer=r.issuer(item["issuer"], f"{at}.issuer", ("card",)),
        card_type=r.text(item["type"], f"{at}.type", CARD_TYPES),
        annual_fee=r.won(item["annual_fee"], f"{at}.annual_fee"),
        min_prev_month_spend=r.won(item["min_prev_month_spend"], f"{at}.min_prev_month_spend"),
        performance_excludes=r.names(item.get("performance_excludes"), f"{at}.performance_excludes",
                                     r.categories, "category"),
        excluded_categories=excluded,
        total_monthly_cap=r.optional_won(item.get("total_monthly_cap"), f"{at}.total_monthly_cap", 1),
        benefits=benefits,
    )


def _loan(r: _Reader, raw: Any, at: str) -> LoanProduct:
    item = r.mapping(
        raw,
        at,
        (
            "id",
            "name",
            "issuer",
            "type",
            "purposes",
            "min_rate",
            "max_rate",
            "min_amount",
            "max_amount",
            "term_months",
            "min_score",
            "repayment",
            "rate_type",
        ),
        ("max_income_multiple", "max_deposit_ratio"),
    )
    issuer = r.issuer(item["issuer"], f"{at}.issuer", ("bank", *NONBANK_KINDS))
    terms = r.mapping(item["term_months"], f"{at}.term_months", ("min", "max"))
    score = item["min_score"]
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 1000:
        raise r.fail(f"{at}.min_score", f"expected a score 1..1000, got {score!r}")
    product = LoanProduct(
        id=r.text(item["id"], f"{at}.id"),
        name=r.text(item["name"], f"{at}.name"),
        issuer=issuer,
        lender_kind="bank" if r.institutions[issuer] == "bank" else "nonbank",
        loan_type=r.text(item["type"], f"{at}.type", LOAN_TYPES),
        purposes=r.names(item["purposes"], f"{at}.purposes", r.purposes, "loan_purpose", allow_empty=False),
        min_rate=r.rate(item["min_rate"], f"{at}.min_rate", LEGAL_MAX_RATE),
        max_rate=r.rate(item["max_rate"], f"{at}.max_rate", LEGAL_MAX_RATE),
        min_amount=r.won(item["min_amount"], f"{at}.min_amount", 1),
        max_amount=r.won(item["max_amount"], f"{at}.max_amount", 1),
        min_term=r.won(terms["min"], f"{at}.term_months.min", 1),
        max_term=r.won(terms["max"], f"{at}.term_months.max", 1),
        min_score=score,
        repayment=r.text(item["repayment"], f"{at}.repayment", LOAN_REPAYMENTS),
        rate_type=r.text(item["rate_type"], f"{at}.rate_type", RATE_TYPES),
        max_income_multiple=(r.rate(item["max_income_multiple"], f"{at}.max_income_multiple", Decimal(10))
                             if item.get("max_income_multiple") is not None else None),
        max_deposit_ratio=(r.rate(item["max_deposit_ratio"], f"{at}.max_deposit_ratio", Decimal(1))
                           if item.get("max_deposit_ratio") is not None else None),
    )
    if product.max_rate < product.min_rate:
        raise r.fail(f"{at}.max_rate", "is below min_rate")
    if product.max_amount < product.min_amount:
        raise r.fail(f"{at}.max_amount", "is below min_amount")
    if product.max_term < product.min_term:
        raise r.fail(f"{at}.term_months", "max is below min")
    if (product.loan_type == "마이너스통장") != (product.repayment == "한도"):
        raise r.fail(
            f"{at}.repayment", "한도 repayment is for a 마이너스통장, and a 마이너스통장 repays as 한도"
        )
    return product


def _section(r: _Reader, raw: Dict[str, Any], key: str, parse: Callable[[_Reader, Any, str], Any]) -> tuple:
    return tuple(
        parse(r, item, f"{key}[{i}]") for i, item in enumerate(r.items(raw[key], key, allow_empty=False))
    )


def parse_catalog(raw: Any, path: Path = DEFAULT_CATALOG_PATH, lexicon: Optional[Lexicon] = None) -> Catalog:
    """Check a parsed products.yml against the lexicon and build the catalog."""
    r = _Reader(Path(path), lexicon or load_lexicon())
    top = r.mapping(raw, "top level", ("updated", "note", "deposits", "savings", "cards", "loans"))
    if not isinstance(top["updated"], date):
        raise r.fail("updated", f"expected a date like 2026-11-01, got {top['updated']!r}")
    catalog = Catalog(
        updated=top["updated"],
        note=r.text(top["note"], "note"),
        deposits=_section(r, top, "deposits", _deposit),
        savings=_section(r, top, "savings", _savings),
        cards=_section(r, top, "cards", _card),
        loans=_section(r, top, "loans", _loan),
    )
    seen = set()
    for product in catalog.all_products():
        if product.id in seen:
            raise r.fail(product.id, "id is used twice")
        seen.add(product.id)
    return catalog


def load_catalog(path: Optional[Path] = None, lexicon_path: Optional[Path] = None) -> Catalog:
    """Read and check products.yml; a broken file raises CatalogError naming what is wrong."""
    path = Path(path) if path else DEFAULT_CATALOG_PATH
    return _load(
        str(path), str(lexicon_path or DEFAULT_LEXICON_PATH), path.stat().st_mtime_ns if path.exists() else 0
    )


@functools.lru_cache(maxsize=8)
def _load(path: str, lexicon_path: str, _mtime: int) -> Catalog:
    source = Path(path)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogError(f"{source.name}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise CatalogError(f"{source.name}: not valid YAML: {error}") from error
    return parse_catalog(raw, source, load_lexicon(lexicon_path))
