"""The sandbox over real HTTP: OAuth, standard headers, response codes, paging, change detection, knobs."""
import uuid

import aiohttp
import pytest

from bot.mydata.client import ClientSettings, MyDataClient
from bot.mydata.errors import ApiError, ConsentRejected, InstitutionUnavailable
from sandbox.generator import generate_customer

from .conftest import run

KB = "B0010001"
HYUNDAI_CARD = "C0020003"


async def _tokens(server, customer="demo-salaried", org=KB, scopes=("bank.list", "bank.deposit", "bank.loan"),
                  settings=None):
    client = MyDataClient(settings or ClientSettings(timeout_s=5))
    base = f"{server.url}/{org}"
    code = await client.authorize(base, org, customer, uuid.uuid4().hex, list(scopes))
    return client, base, await client.exchange_code(base, org, code)


async def _raw(server, method, path, token=None, headers=None, **kwargs):
    hdrs = {"x-api-tran-id": "T1", "x-api-type": "regular"}
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    hdrs.update(headers or {})
    async with aiohttp.ClientSession() as s:
        async with s.request(method, server.url + path, headers=hdrs, **kwargs) as resp:
            return resp.status, await resp.json(), dict(resp.headers)


def test_oauth_flow_and_success_answer(sandbox):
    async def go():
        client, base, tokens = await _tokens(sandbox)
        try:
            api = client.institution(base, KB, tokens)
            answer = await api.call("GET", "/v1/bank/accounts", {"org_code": KB})
            refreshed = await client.refresh(base, KB, tokens)
            assert (
                refreshed.access_token != tokens.access_token
                and refreshed.refresh_token == tokens.refresh_token
            )
            return answer
        finally:
            await client.close()

    answer = run(go())
    assert answer["rsp_code"] == "00000" and answer["rsp_msg"]
    assert answer["account_cnt"] >= 2 and answer["search_timestamp"]
    assert {"account_num", "seqno", "account_type", "prod_name"} <= set(answer["account_list"][0])


def test_each_failure_has_its_own_code(sandbox):
    async def go():
        client, base, tokens = await _tokens(sandbox, scopes=("bank.list",))
        await client.close()
        results = {}
        results["no_tran_id"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token,
                                           headers={"x-api-tran-id": ""})
        results["bad_token"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", "garbage")
        results["no_scope"] = await _raw(
            sandbox,
            "POST",
            f"/{KB}/v1/bank/accounts/loan/detail",
            tokens.access_token,
            json={"org_code": KB, "account_num": "x"},
        )
        results["other_org"] = await _raw(sandbox, "GET", "/B0010002/v1/bank/accounts", tokens.access_token)
        results["bad_param"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token,
                                          params={"limit": "0"})
        sandbox.state.auth.expire_access_tokens()
        results["expired"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token)
        sandbox.state.set_faults(down={KB})
        results["down"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token)
        sandbox.state.set_faults(down=set(), error_rate=1.0)
        results["server_error"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token)
        sandbox.state.set_faults(error_rate=0.0, rate_limit_per_s={KB: 1})
        await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token)
        results["rate"] = await _raw(sandbox, "GET", f"/{KB}/v1/bank/accounts", tokens.access_token)
        return results

    r = run(go())
    assert r["no_tran_id"][1]["rsp_code"] == "40001"
    assert r["bad_token"][0] == 401 and r["bad_token"][1]["rsp_code"] == "40101"
    assert r["no_scope"][0] == 403 and r["no_scope"][1]["rsp_code"] == "40301"
    assert r["other_org"][1]["rsp_code"] == "40101"
    assert r["bad_param"][1]["rsp_code"] == "40001"
    assert r["expired"][1]["rsp_code"] == "40102"
    assert r["down"][0] == 503 and r["down"][1]["rsp_code"] == "50301"
    assert r["server_error"][0] == 500 and r["server_error"][1]["rsp_code"] == "50001"
    assert r["rate"][0] == 429 and r["rate"][1]["rsp_code"] == "42901" and "Retry-After" in r["rate"][2]


def test_revoked_consent_is_refused(sandbox):
    async def go():
        client, base, tokens = await _tokens(sandbox)
        try:
            await client.revoke(base, KB, tokens.access_token)
            with pytest.raises(ConsentRejected) as caught:
                await client.institution(base, KB, tokens).call("GET", "/v1/bank/accounts", {"org_code": KB})
            return caught.value
        finally:
            await client.close()

    assert run(go()).rsp_code == "40103"


def test_pages_and_search_timestamp(sandbox, sandbox_config):
    book = generate_customer(sandbox_config, "demo-salaried")
    card = book.institutions[HYUNDAI_CARD].cards[0]
    now = sandbox.state.clock.now_str()

    async def go():
        client, base, tokens = await _tokens(sandbox, org=HYUNDAI_CARD, scopes=("card.list", "card.approval"))
        try:
            api = client.institution(base, HYUNDAI_CARD, tokens)
            params = {"org_code": HYUNDAI_CARD, "from_date": "20240101", "to_date": now[:8]}
            path = f"/v1/card/cards/{card.card_id}/approval-domestic"
            client.settings.page_limit = 7
            small, _ = await api.pages("GET", path, params, "approved_list")
            client.settings.page_limit = 500
            big, _ = await api.pages("GET", path, params, "approved_list")
            first = await api.call("GET", "/v1/card/cards", {"org_code": HYUNDAI_CARD})
            again = await api.call("GET", "/v1/card/cards", {"org_code": HYUNDAI_CARD,
                                                             "search_timestamp": first["search_timestamp"]})
            return small, big, first, again
        finally:
            await client.close()

    small, big, first, again = run(go())
    expected = [a.approved_num for a in card.approvals if a.dtime <= now]
    assert [a["approved_num"] for a in small] == [a["approved_num"] for a in big] == expected
    assert (
        first["card_list"]
        and again["card_list"] == []
        and again["search_timestamp"] == first["search_timestamp"]
    )


def test_client_retries_then_gives_up(sandbox):
    async def go():
        client, base, tokens = await _tokens(sandbox, settings=ClientSettings(
            timeout_s=5, max_retries=2, backoff_base_s=0.01, backoff_max_s=0.02))
        try:
            sandbox.state.set_faults(down={KB})
            with pytest.raises(InstitutionUnavailable):
                await client.institution(base, KB, tokens).call("GET", "/v1/bank/accounts", {"org_code": KB})
            sandbox.state.set_faults(down=set(), slow_requests=1, slow_ms=400)
            client.settings.timeout_s = 0.2
            answer = await client.institution(base, KB, tokens).call(
                "GET", "/v1/bank/accounts", {"org_code": KB}
            )
            with pytest.raises(ApiError):
                await client.institution(base, KB, tokens).call("POST", "/v1/bank/accounts/deposit/detail",
                                                                {"org_code": KB, "account_num": "nope"})
            return answer
        finally:
            await client.close()

    assert run(go())["rsp_code"] == "00000"


def test_portal_lists_the_customers_institutions(sandbox, sandbox_config):
    async def go():
        async with MyDataClient() as client:
            return await client.discover(sandbox.url, "demo-retiree")

    name, orgs = run(go())
    book = generate_customer(sandbox_config, "demo-retiree")
    assert name == book.name == "최순자"
    assert sorted(o for o, _ in orgs) == sorted(book.institutions)
