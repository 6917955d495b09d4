"""The finance lexicon (`knowledge_base/lexicons.yml`) as Python objects, read once.

One file names every institution, merchant, category and product word the
assistant knows, with the ways people write them. The tokenizer keeps these
words whole, the entity extractor maps them to one canonical value, and the
MyData layer takes institutions (org code, kind) and the merchant -> category
map from it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LEXICON_PATH = REPO_ROOT / "knowledge_base" / "lexicons.yml"
# Not entity words: names read as an institution only in context (bot.nlp.nicknames).
BRAND_SECTION = "institution_brand"


@dataclass(frozen=True)
class InstitutionBrand:
    """A name for a group of institutions (`삼성`) or one that is also a
    common word (`우리`): its members by kind, each kind's first member the
    one meant unless the text names another (`삼성 생명`)."""

    word: str
    members: Mapping[str, Tuple[str, ...]]
    common_word: bool = False
    default_kind: Optional[str] = None


@dataclass(frozen=True)
class LexiconEntry:
    """A canonical value, its written forms, and extra facts (kind, org_code…)."""

    entity: str
    value: str
    synonyms: Tuple[str, ...]
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def surface_forms(self) -> Tuple[str, ...]:
        return (self.value, *self.synonyms)


@dataclass(frozen=True)
class InstitutionEntry:
    """An institution the lexicon knows: canonical name, MyData org code and kind.
    (`bot.mydata.store.models.Institution` is its row in the MyData store.)"""

    org_code: str
    name: str
    kind: str  # bank | card | securities | insurance | capital


@dataclass(frozen=True)
class MerchantEntry:
    name: str
    category: str
    synonyms: Tuple[str, ...]


class Lexicon:
    """Entries grouped by entity type, with lookup by any written form; institutions by
    org code and name; merchants with their categories."""

    def __init__(self, entries: List[LexiconEntry], brands: Tuple[InstitutionBrand, ...] = ()) -> None:
        self.entries = entries
        self.brands = brands
        self._by_form: Dict[Tuple[str, str], LexiconEntry] = {}
        for entry in entries:
            for form in entry.surface_forms:
                self._by_form.setdefault((entry.entity, form.lower()), entry)
        self.institutions = tuple(
            InstitutionEntry(org_code=e.attributes["org_code"], name=e.value, kind=e.attributes["kind"])
            for e in self.of_type("institution")
        )
        self.categories = tuple(e.value for e in self.of_type("category"))
        self.merchants = tuple(
            MerchantEntry(name=e.value, category=e.attributes["category"], synonyms=e.synonyms)
            for e in self.of_type("merchant")
        )
        unknown = {m.category for m in self.merchants} - set(self.categories)
        if unknown:
            raise ValueError(f"merchant categories not in the category list: {sorted(unknown)}")
        self.by_org = {i.org_code: i for i in self.institutions}
        self.by_name = {i.name: i for i in self.institutions}
        self.merchant_by_name = {m.name: m for m in self.merchants}

    @classmethod
    def from_file(cls, path: Path = DEFAULT_LEXICON_PATH) -> "Lexicon":
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        entries = []
        brands = tuple(
            InstitutionBrand(
                word=str(item["value"]),
                members={
                    kind: tuple(v if isinstance(v, list) else [v]) for kind, v in item["members"].items()
                },
                common_word=bool(item.get("common_word", False)),
                default_kind=item.get("default"),
            )
            for item in raw.pop(BRAND_SECTION, None) or []
        )
        for entity, items in raw.items():
            for item in items or []:
                attributes = {
                    k: str(v) for k, v in item.items() if k not in ("value", "synonyms")
                }
                entries.append(
                    LexiconEntry(
                        entity=entity,
                        value=str(item["value"]),
                        synonyms=tuple(str(s) for s in item.get("synonyms") or ()),
                        attributes=attributes,
                    )
                )
        return cls(entries, brands)

    # ------------------------------------------------------------ written forms

    def entity_types(self) -> List[str]:
        return sorted({e.entity for e in self.entries})

    def of_type(self, entity: str) -> List[LexiconEntry]:
        return [e for e in self.entries if e.entity == entity]

    def canonical(self, entity: str, text: str) -> Optional[str]:
        """The canonical value for a written form, or None if unknown."""
        entry = self._by_form.get((entity, text.strip().lower()))
        return entry.value if entry else None

    def entry(self, entity: str, value: str) -> Optional[LexiconEntry]:
        return self._by_form.get((entity, value.strip().lower()))

    def surface_forms(self) -> Iterator[Tuple[str, LexiconEntry]]:
        for entry in self.entries:
            for form in entry.surface_forms:
                yield form, entry

    # ------------------------------------------------------------ institutions

    def institution(self, name: Optional[str]) -> Optional[InstitutionEntry]:
        """The institution a canonical name, any written form or an org code names; None if none."""
        if not name:
            return None
        if name in self.by_org:
            return self.by_org[name]
        entry = self.entry("institution", name)
        return self.by_name[entry.value] if entry else None

    def org_code_of(self, name: Optional[str]) -> Optional[str]:
        """The org code of the institution `name` names (see `institution`); None when the lexicon
        knows no such institution, and the caller says what an unknown one means to it."""
        found = self.institution(name)
        return found.org_code if found else None

    def of_kind(self, kind: str) -> List[InstitutionEntry]:
        return [i for i in self.institutions if i.kind == kind]


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Lexicon:
    return Lexicon.from_file(path)


def load_lexicon(path: Optional[str | Path] = None) -> Lexicon:
    """The lexicon at `path` (default: knowledge_base/lexicons.yml), parsed once per process."""
    return _load(Path(path or DEFAULT_LEXICON_PATH).resolve())
