"""The web page against the running demo bank: its server over HTTP, Rasa's socket.io as the
rasa-webchat widget speaks it, and the page itself in headless Chromium driven by Playwright."""
import asyncio
import datetime as dt
import re
from pathlib import Path

import httpx
import pytest

from bot.auth.tokens import verify_token
from bot.korean.wording import won
from bot.rasa.channels.webchat_sessions import well_formed
from sandbox.demo import DEMO_CUSTOMERS
from tests.support.bank import SECRET, deposit_total
from tests.support.kakao import answer as kakao_answer
from tests.support.kakao import new_user
from tests.support.kakao import say as kakao_say
from tests.support.servers import ROOT
from tests.support.webchat import ChatSocket, page_server, refusals
from webpage.server import SESSION_TTL, VENDOR_FILES

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page_url(bank, tmp_path_factory):
    """The page server, pointed at the demo bank's Rasa server."""
    with page_server(bank, tmp_path_factory.mktemp("webpage"), SECRET) as url:
        yield url


def sign_in(page_url, customer_id):
    response = httpx.post(f"{page_url}/api/session", json={"customer_id": customer_id}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# -- the page server ------------------------------------------------------------------------------

def test_the_persona_picker_lists_the_demo_customers(page_url):
    personas = httpx.get(f"{page_url}/api/personas", timeout=10).json()
    assert [p["customer_id"] for p in personas] == list(DEMO_CUSTOMERS)
    assert all(re.fullmatch(r"[가-힣]{2,4}", p["name"]) and p["description"] for p in personas)


def test_signing_in_gives_a_short_lived_token_for_that_customer_only(page_url):
    session = sign_in(page_url, "demo-student")
    customer = verify_token(session["customer_token"], SECRET.encode())
    assert customer.customer_id == "demo-student"
    assert customer.expires_at - dt.datetime.now(dt.timezone.utc) <= SESSION_TTL


@pytest.mark.parametrize("body, status", [
    ({"customer_id": "customer-000001"}, 404),  # a real customer, not a demo persona
    ({"customer_id": ["demo-student"]}, 400),
    ({}, 400),
    ("demo-student", 400),
])
def test_only_demo_personas_can_sign_in(page_url, body, status):
    response = httpx.post(f"{page_url}/api/session", json=body, timeout=10)
    assert response.status_code == status
    assert not response.json()["ok"] and re.search(r"[가-힣]", response.json()["message"])


def test_the_page_loads_only_vendored_assets(page_url):
    html = httpx.get(page_url, timeout=10).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "data:")) for s in sources), sources
    for name in VENDOR_FILES:
        response = httpx.get(f"{page_url}/vendor/{name}", timeout=10)
        assert response.status_code == 200 and "javascript" in response.headers["content-type"]
        assert "fonts.googleapis.com" not in response.text
    assert httpx.get(f"{page_url}/vendor/noto-sans-kr/400.css", timeout=10).status_code == 200
    for path in (
        "/vendor/package.json",
        "/static/../../bot/auth/tokens.py",
        "/vendor/..%2F..%2Fpackage.json",
    ):
        assert httpx.get(f"{page_url}{path}", timeout=10).status_code == 404, path


def test_a_kakao_link_code_is_confirmed_on_the_page(bank, page_url):
    user = new_user()
    codes = re.findall(r"\b\d{6}\b", kakao_say(bank.url, "계정 연결", user))
    assert len(codes) == 1
    token = sign_in(page_url, "demo-salaried")["customer_token"]

    wrong = httpx.post(
        f"{page_url}/api/kakao-link",
        json={"code": "000000" if codes[0] != "000000" else "111111", "customer_token": token},
        timeout=10,
    )
    assert wrong.status_code == 400 and "올바르지 않" in wrong.json()["message"]
    assert "로그인" in kakao_say(bank.url, "내 잔액 알려줘", user)

    linked = httpx.post(
        f"{page_url}/api/kakao-link", json={"code": codes[0], "customer_token": token}, timeout=10
    )
    assert linked.status_code == 200 and linked.json()["ok"], linked.text
    assert won(deposit_total(bank, "demo-salaried")) in kakao_say(bank.url, "내 잔액 알려줘", user)
    spending = kakao_answer(bank.url, "/spending_summary", user)["template"]["outputs"]
    assert [o["listCard"]["header"]["title"] for o in spending if "listCard" in o][0].startswith(
        "분야별 지출"
    )


# -- socket.io, as the widget speaks it -------------------------------------------------------------

async def _socket_turns(url, customer_token, messages, quiet_s=2.5, timeout_s=60):
    """Sends each message on one socket.io session; returns the bot_uttered payloads per message.
    The session is asked for as the page's widget does: with the customer token as its first id."""
    socket = ChatSocket()
    await socket.connect(url)
    try:
        session_id = await socket.request_session(customer_token)
        assert well_formed(session_id) and session_id != customer_token
        turns = []
        for message in messages:
            await socket.say(message, customer_token)
            events = await socket.next_events(timeout_s, quiet_s)
            assert not refusals(events), events
            turns.append([data for name, data in events if name == "bot_uttered"])
        return turns
    finally:
        await socket.close()


def test_the_widget_protocol_carries_the_token_buttons_and_the_chart(bank, page_url):
    token = sign_in(page_url, "demo-salaried")["customer_token"]
    balance, spending = asyncio.run(_socket_turns(bank.url, token, ["내 잔액 알려줘", "/spending_summary"]))

    text = "\n".join(r.get("text", "") for r in balance)
    assert f"총 {won(deposit_total(bank, 'demo-salaried'))}" in text
    replies = [q["title"] for r in balance for q in r.get("quick_replies", [])]
    assert "이번 달 지출 보기" in replies

    charts = [r["chart"] for r in spending if "chart" in r]
    assert len(charts) == 1 and charts[0]["type"] == "category_breakdown"
    stated = re.search(r"총 ([\d,]+)원", "\n".join(r.get("text", "") for r in spending))
    assert stated and sum(i["amount"] for i in charts[0]["items"]) == int(stated.group(1).replace(",", ""))


def test_the_widget_without_a_token_gets_no_data(bank):
    (replies,) = asyncio.run(_socket_turns(bank.url, None, ["내 잔액 알려줘"]))
    text = "\n".join(r.get("text", "") for r in replies)
    assert "로그인" in text and not re.search(r"\d[\d,]*원", text)


# -- the page in a real browser -----------------------------------------------------------------------

def test_a_customer_chats_on_the_page_in_chromium(bank, page_url):
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: ./test.sh installs it (scripts/bootstrap.sh)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    total = won(deposit_total(bank, "demo-salaried"))
    outside, console = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="ko-KR")
            page.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
                    or outside.append(r.url))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(page_url)
            expect(page.locator("input[name=customer_id]")).to_have_count(len(DEMO_CUSTOMERS))
            page.locator("input[value=demo-salaried]").check()
            page.get_by_role("button", name="이 고객으로 대화 시작").click()

            expect(page.locator("#signed-in")).to_contain_text("김지훈", timeout=15_000)
            expect(page.locator(".rw-response").first).to_contain_text("안녕하세요", timeout=60_000)
            expect(page.locator(".rw-reply")).to_have_count(4)

            page.locator(".rw-new-message").fill("내 잔액 알려줘")
            page.keyboard.press("Enter")
            expect(page.locator(".rw-response", has_text=total)).to_be_visible(timeout=60_000)

            page.locator(".rw-reply", has_text="이번 달 지출 보기").click()
            chart = page.locator(".spending-chart")
            expect(chart.locator("canvas[data-rendered=true]")).to_be_visible(timeout=60_000)
            rows = chart.locator("tbody tr")
            assert rows.count() >= 2
            amounts = [
                int(re.sub(r"[^\d]", "", a))
                for a in chart.locator("tbody td.num:nth-child(2)").all_inner_texts()
            ]
            assert f"{sum(amounts):,}원" == chart.locator("tfoot td.num").inner_text()
            expect(page.locator(".rw-response", has_text=f"총 {sum(amounts):,}원")).to_be_visible()
            aligned = chart.locator("tbody td.num").first.evaluate("e => getComputedStyle(e).textAlign")
            assert aligned == "right"

            assert page.evaluate("document.fonts.check(\"16px 'Noto Sans KR'\", '잔액')")
            family = page.locator(".rw-response").first.evaluate("e => getComputedStyle(e).fontFamily")
            assert "Noto Sans KR" in family
            page.screenshot(path=str(ARTIFACTS / "webchat.png"), full_page=True)
        finally:
            (ARTIFACTS / "webchat-console.log").write_text("\n".join(console), encoding="utf-8")
            browser.close()
    assert outside == [], f"the page reached outside this machine: {outside}"
