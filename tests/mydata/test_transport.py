"""The data API's connection pool against small real HTTP servers on loopback: kept-alive
connections the server dropped are replaced, chunked answers are read whole, deadlines hold."""
import asyncio

import pytest

from bot.mydata.transport import ConnectionPool, Origin, TransportError, request_bytes

from .conftest import run

OK_BODY = b'{"rsp_code":"00000"}'


async def _serve(handle) -> tuple[asyncio.AbstractServer, Origin]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, Origin.parse(f"http://127.0.0.1:{port}/B0010001")


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return head + (await reader.readexactly(length) if length else b"")


def test_a_connection_the_server_dropped_is_replaced():
    connections = []

    async def handle(reader, writer):
        connections.append(writer)
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(OK_BODY), OK_BODY))
        await writer.drain()
        writer.close()  # keep-alive promised, then dropped, as an idle timeout would

    async def go():
        server, origin = await _serve(handle)
        pool = ConnectionPool(4)
        try:
            answers = []
            for n in range(3):
                raw = request_bytes(
                    origin,
                    "POST",
                    "/v1/bank/accounts/deposit/detail",
                    {"x-api-tran-id": f"T{n}"},
                    body=b'{"account_num": "1"}',
                )
                answers.append(await pool.request(origin, raw, 2.0))
                await asyncio.sleep(0.05)
            return answers
        finally:
            pool.close()
            server.close()

    answers = run(go())
    assert [a.status for a in answers] == [200, 200, 200] and all(a.body == OK_BODY for a in answers)
    assert len(connections) == 3


def test_chunked_answers_and_query_strings():
    seen = []

    async def handle(reader, writer):
        while True:
            try:
                seen.append(await _read_request(reader))
            except asyncio.IncompleteReadError:
                return
            writer.write(
                b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nRetry-After: 1\r\n\r\n"
                b'5\r\n{"rsp\r\nf\r\n_code":"42901"}\r\n0\r\n\r\n'
            )
            await writer.drain()

    async def go():
        server, origin = await _serve(handle)
        pool = ConnectionPool(2)
        try:
            query = {"org_code": "C0020001", "search_timestamp": "x y"}
            raw = request_bytes(origin, "GET", "/v1/card/cards", {}, query)
            return [await pool.request(origin, raw, 2.0) for _ in range(2)]
        finally:
            pool.close()
            server.close()

    answers = run(go())
    assert all(a.status == 429 and a.body == b'{"rsp_code":"42901"}' and a.headers["retry-after"] == "1"
               for a in answers)
    assert seen[0].startswith(
        b"GET /B0010001/v1/card/cards?org_code=C0020001&search_timestamp=x%20y HTTP/1.1\r\n"
    )


def test_a_silent_server_misses_the_deadline_and_a_closed_port_fails():
    async def handle(reader, writer):
        await _read_request(reader)
        await asyncio.sleep(5)

    async def go():
        server, origin = await _serve(handle)
        pool = ConnectionPool(2)
        try:
            with pytest.raises(asyncio.TimeoutError):
                await pool.request(origin, request_bytes(origin, "GET", "/v1/card/limit", {}), 0.2)
        finally:
            pool.close()
            server.close()
            await server.wait_closed()
        with pytest.raises(TransportError):
            await pool.request(origin, request_bytes(origin, "GET", "/v1/card/limit", {}), 0.2)

    run(go())
