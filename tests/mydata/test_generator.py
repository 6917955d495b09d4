from datetime import date

from bot.kb.lexicon import load_lexicon
from sandbox.config import SandboxConfig
from sandbox.demo import DEMO_CUSTOMERS
from sandbox.generator import generate_customer


def test_same_seed_same_data_other_seed_other_data():
    a = generate_customer(SandboxConfig(seed=1, customers=5, as_of=date(2025, 6, 30)), "cust-000003")
    b = generate_customer(SandboxConfig(seed=1, customers=5, as_of=date(2025, 6, 30)), "cust-000003")
    c = generate_customer(SandboxConfig(seed=2, customers=5, as_of=date(2025, 6, 30)), "cust-000003")
    assert a == b
    assert a != c


def test_balances_chain_and_bills_add_up():
    config = SandboxConfig(seed=3, customers=30, as_of=date(2025, 6, 30))
    for customer_id in config.customer_ids():
        book = generate_customer(config, customer_id)
        for inst in book.institutions.values():
            for account in inst.deposits:
                balance = account.opening_balance
                for t in account.txns:
                    balance += t.amount if t.trans_type == "01" else -t.amount
                    assert balance == t.balance_after
                assert [t.dtime for t in account.txns] == sorted(t.dtime for t in account.txns)
            credit = {}
            for card in inst.cards:
                if card.card_type != "01":
                    continue
                for a in card.approvals:
                    if not a.cancel_dtime:
                        parts = max(1, a.installments)
                        for k in range(parts):
                            y, m = divmod(int(a.dtime[:4]) * 12 + int(a.dtime[4:6]) - 1 + k, 12)
                            key = f"{y:04d}{m + 1:02d}"
                            share = a.amount // parts + (
                                a.amount - a.amount // parts * parts if k == 0 else 0
                            )
                            credit[key] = credit.get(key, 0) + share
            assert {b.charge_month: b.charge_amt for b in inst.bills} == credit


def test_personas_feel_real():
    config = SandboxConfig(seed=5, customers=200, as_of=date(2025, 6, 30))
    lexicon = load_lexicon()
    merchants = {m.name for m in lexicon.merchants}
    personas = {generate_customer(config, c).persona for c in config.generated_ids()}
    assert personas == {"salaried", "student", "shop", "retiree"}
    salaried = generate_customer(config, "demo-salaried")
    assert salaried.salary_payments and len(salaried.salary_payments) >= 12
    seen = {a.merchant for i in salaried.institutions.values() for c in i.cards for a in c.approvals}
    assert seen <= merchants and {"스타벅스", "쿠팡", "배달의민족"} & seen
    shop = generate_customer(config, "demo-shop")
    assert shop.delinquent and any(p.overdue_days for i in shop.institutions.values() for x in i.loans
                                   for p in x.payments)
    assert {i.institution.kind for i in salaried.institutions.values()} == {
        "bank", "card", "securities", "insurance", "capital"}
    for customer_id in DEMO_CUSTOMERS:
        assert generate_customer(config, customer_id).institutions


def test_scales_to_100000_customers():
    config = SandboxConfig(seed=9, customers=100_000, as_of=date(2025, 6, 30))
    assert config.has_customer("cust-100000") and not config.has_customer("cust-100001")
    assert generate_customer(config, "cust-099999").institutions
