"""The HTTP transport: wire format, keep-alive, TCP_NODELAY, single writes, lifecycle."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from driftcheck.emulator import DEMO_STATE, Emulator
from driftcheck.emulator.server import EmulatorHandler
from driftcheck.emulator.wire import ERROR_TYPE_NAMESPACE, MODELLED_ERRORS
from driftcheck.errors import EmulatorError
from driftcheck.model import Api
from driftcheck.service_model import service_model


def test_modelled_error_statuses_match_the_service_models() -> None:
    for api in Api:
        shapes = service_model(api)["shapes"]
        for kind in MODELLED_ERRORS:
            assert shapes[kind.code]["error"]["httpStatusCode"] == kind.status, (api, kind)


def test_error_wire_format(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    connection.request("GET", "/v2/email/configuration-sets/nope/event-destinations")
    response = connection.getresponse()
    body = response.read()

    assert response.status == 404
    assert response.getheader("x-amzn-ErrorType") == f"NotFoundException:{ERROR_TYPE_NAMESPACE}"
    assert response.getheader("Content-Type") == "application/json"
    assert int(response.getheader("Content-Length") or -1) == len(body)
    assert json.loads(body) == {"message": "Configuration set nope does not exist."}
    connection.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/email/nothing-here"),
        ("PATCH", "/v1/email/configuration-sets"),
        ("PUT", "/v2/email/list-configuration-sets"),
        ("GET", "/"),
        ("OPTIONS", "/v1/email/configuration-sets"),
    ],
)
def test_unknown_route_is_404_in_the_same_format(
    emulator: Emulator, method: str, path: str
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    connection.request(method, path)
    response = connection.getresponse()
    body = json.loads(response.read())

    assert response.status == 404
    assert (response.getheader("x-amzn-ErrorType") or "").startswith("UnknownOperationException:")
    assert path in body["message"]
    assert emulator.stats().unrouted == 1
    assert emulator.stats().total == 0
    connection.close()


def test_pinpoint_email_rejects_an_eventbridge_block(emulator: Emulator) -> None:
    # botocore cannot even serialise it for pinpoint-email: send the raw request.
    emulator.reset({"version": 1, "regions": {"us-east-1": {"s": {}}}})
    body = {
        "EventDestinationName": "bus",
        "EventDestination": {
            "EventBridgeDestination": {"EventBusArn": "arn:aws:events:us-east-1:1:event-bus/x"}
        },
    }
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    connection.request(
        "POST", "/v1/email/configuration-sets/s/event-destinations", body=json.dumps(body)
    )
    response = connection.getresponse()
    message = json.loads(response.read())["message"]

    assert response.status == 400
    assert (response.getheader("x-amzn-ErrorType") or "").startswith("BadRequestException:")
    assert "EventBridgeDestination" in message
    assert emulator.state["regions"]["us-east-1"]["s"] == {}
    connection.close()


def test_percent_encoded_path_labels_are_decoded(emulator: Emulator) -> None:
    emulator.reset(DEMO_STATE)
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    connection.request("GET", "/v1/email/configuration-sets/mark%65ting/event-destinations")
    response = connection.getresponse()
    assert response.status == 200
    assert len(json.loads(response.read())["EventDestinations"]) == 4
    connection.close()


def test_keep_alive_and_tcp_nodelay_on_the_server_socket(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    for _ in range(3):
        connection.request("POST", "/v2/email/list-configuration-sets", body="{}")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Connection") != "close"
        response.read()
    client_port = connection.sock.getsockname()[1]

    accepted = [s for s in emulator.server.open_connections() if s.getpeername()[1] == client_port]

    assert len(accepted) == 1  # three requests, one connection
    assert accepted[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    connection.close()


def test_each_answer_is_one_write(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[bytes] = []
    original_setup = EmulatorHandler.setup

    def setup(self: EmulatorHandler) -> None:
        original_setup(self)
        real_write = self.wfile.write

        def write(data: bytes) -> int:
            writes.append(bytes(data))
            return real_write(data)

        self.wfile.write = write  # type: ignore[method-assign,assignment]

    monkeypatch.setattr(EmulatorHandler, "setup", setup)
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    connection.request("GET", "/v1/email/configuration-sets")
    response = connection.getresponse()
    body = response.read()

    assert len(writes) == 1
    assert writes[0].endswith(body)
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    connection.close()


def test_no_logging_per_request(emulator: Emulator, capfd: pytest.CaptureFixture[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    for path in ("/v1/email/configuration-sets", "/nope"):
        connection.request("GET", path)
        connection.getresponse().read()
    connection.close()
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_chunked_request_body(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port)
    body = json.dumps({"ConfigurationSetName": "chunky"}).encode()
    connection.request(
        "POST", "/v2/email/configuration-sets", body=iter([body[:5], body[5:]]), encode_chunked=True
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    assert list(emulator.state["regions"]["us-east-1"]) == ["chunky"]
    connection.close()


def test_port_in_use_is_an_emulator_error(emulator: Emulator) -> None:
    with pytest.raises(EmulatorError, match=f"Port {emulator.port} on 127.0.0.1 is already in use"):
        Emulator(port=emulator.port)


def test_invalid_port_is_an_emulator_error() -> None:
    with pytest.raises(EmulatorError, match="not a valid TCP port"):
        Emulator(port=70000)


def test_stop_releases_the_port_and_ends_connections() -> None:
    emu = Emulator().start()
    port = emu.port
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/v1/email/configuration-sets")
    connection.getresponse().read()

    emu.stop()
    emu.stop()  # idempotent

    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        connection.request("GET", "/v1/email/configuration-sets")
        connection.getresponse().read()
    with Emulator(port=port):  # the port is free again
        pass


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    code = (
        "import sys; from pathlib import Path; from driftcheck.emulator import serve_forever; "
        "from driftcheck.errors import EmulatorError\n"
        "try:\n"
        "    serve_forever(int(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)\n"
        "except EmulatorError as e:\n"
        "    print(e, file=sys.stderr); sys.exit(1)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def test_serve_forever_announces_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = _serve(tmp_path, "0", str(DEMO_STATE))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("driftcheck emulator listening on http://127.0.0.1:")
        assert line.rstrip().endswith("(pinpoint-email /v1, sesv2 /v2)")
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        paste = [process.stdout.readline() for _ in range(9)]  # the lines for another shell
        for name in (
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_ORGANIZATIONS",
            "AWS_ENDPOINT_URL_CLOUDTRAIL",
        ):
            assert f"export {name}=http://127.0.0.1:{port}\n" in paste
        assert paste[-1] == "Ctrl-C stops it.\n"

        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/v1/email/configuration-sets")
        sets = json.loads(connection.getresponse().read())["ConfigurationSets"]
        assert sets == ["marketing", "transactional"]
        connection.close()

        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0
    assert out == "" and err == ""


def test_serve_forever_with_a_bad_state_file_fails_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    process = _serve(tmp_path, "0", str(bad))
    out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert out == ""
    assert err.count("\n") == 1 and str(bad) in err and "Traceback" not in err


def test_emulators_are_independent() -> None:
    with Emulator(state=DEMO_STATE) as one, Emulator(state=DEMO_STATE) as two:
        one.reset()
        assert two.state["regions"]["us-east-1"]
        assert one.state == {"version": 1, "regions": {}}


def test_malformed_requests_get_an_aws_style_error(emulator: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port)) as sock:
        sock.sendall(b"POST /v2/email/configuration-sets HTTP/1.1\r\nContent-Length: x\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-amzn-ErrorType: BadRequestException:" in head
    assert b"Connection: close" in head
    assert json.loads(body)["message"]
