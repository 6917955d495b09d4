"""Seeded synthetic customers for the sandbox institutions.

Each customer's whole book (accounts, loans, cards, holdings, policies and their history) is a
pure function of (seed, customer id, as-of date), so every process serves the same data and
100,000 customers cost no storage: a book is built when first asked for (`sandbox.app`).
The records are in `sandbox.records`, how each is made in `sandbox.builder`, what each persona
holds in `sandbox.personas`; the demo customers are in `sandbox.demo`.
"""
from __future__ import annotations

import random

from bot.kb.lexicon import InstitutionEntry
from sandbox.builder import BookBuilder
from sandbox.config import SandboxConfig
from sandbox.demo import DEMO_CUSTOMERS
from sandbox.personas import PERSONA_SCRIPTS
from sandbox.records import CustomerBook
from sandbox.reference import GIVEN, PERSONA_WEIGHTS, REGIONS, SURNAMES


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def persona_of(config: SandboxConfig, customer_id: str) -> str:
    """salaried, student, shop or retiree: a demo customer's own, a generated one's drawn by weight."""
    if customer_id in DEMO_CUSTOMERS:
        return DEMO_CUSTOMERS[customer_id].persona
    rng = random.Random(f"{config.seed}:persona:{customer_id}")
    total = sum(w for _, w in PERSONA_WEIGHTS)
    x = rng.random() * total
    for persona, weight in PERSONA_WEIGHTS:
        x -= weight
        if x < 0:
            return persona
    return PERSONA_WEIGHTS[-1][0]


def generate_customer(config: SandboxConfig, customer_id: str) -> CustomerBook:
    """The whole book of one customer; the same inputs always give the same book."""
    if not config.has_customer(customer_id):
        raise KeyError(customer_id)
    persona = persona_of(config, customer_id)
    b = BookBuilder(config, customer_id)
    rng = b.rng
    demo = DEMO_CUSTOMERS.get(customer_id)
    if demo:
        name, birth_year, region = demo.name, demo.birth_year, demo.region
    else:
        name = _name(rng)
        birth_year = {"salaried": rng.randrange(1975, 1999), "student": rng.randrange(2001, 2007),
                      "shop": rng.randrange(1962, 1990), "retiree": rng.randrange(1945, 1962)}[persona]
        region = rng.choice(REGIONS[persona])
    book = CustomerBook(customer_id=customer_id, name=name, persona=persona, birth_year=birth_year,
                        region=region, institutions=b.books)
    PERSONA_SCRIPTS[persona](b, book, demo.institutions if demo else {})
    book.recurring = b.finish()
    return book


def customer_orgs(book: CustomerBook) -> list[InstitutionEntry]:
    """Institutions where the customer holds something, in a stable order."""
    return [b.institution for b in sorted(book.institutions.values(), key=lambda x: x.org_code)]
