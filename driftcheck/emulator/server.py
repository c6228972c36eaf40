"""The HTTP transport: a threading, keep-alive, TCP_NODELAY server on the loopback interface.

Each answer goes out in one ``write`` (status line, headers and body together) with an exact
``Content-Length``, so that with TCP_NODELAY a request costs one round trip and no delayed-ACK
stall. Nothing is logged per request unless ``verbose``.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import socketserver
import sys
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from driftcheck.emulator.service import EmulatedService
from driftcheck.emulator.wire import (
    BAD_REQUEST,
    Answer,
    ErrorKind,
    ServiceError,
    error_answer,
)
from driftcheck.errors import EmulatorError

LOOPBACK = "127.0.0.1"


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: EmulatorServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by http.server itself, in the AWS wire format too.

        A method with no ``do_<METHOD>`` (501 in http.server) goes to the router like any other
        request, which answers 404 UnknownOperationException.
        """
        if code == HTTPStatus.NOT_IMPLEMENTED and self.command:
            self._handle()
            return
        self.close_connection = True  # after a framing error the stream cannot be trusted
        kind = ErrorKind(BAD_REQUEST.code, code)
        self._write(error_answer(ServiceError(kind, message or HTTPStatus(code).phrase)))

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST, "Malformed request body framing")
            return
        answer = self.server.service.handle(self.command, self.path, self.headers, body)
        self._write(answer)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, answer: Answer) -> None:
        lines = [
            f"{self.protocol_version} {answer.status} {HTTPStatus(answer.status).phrase}",
            f"Date: {self.date_time_string()}",
            f"x-amzn-RequestId: {uuid.uuid4()}",
            f"Content-Type: {answer.content_type}",
            f"Content-Length: {len(answer.body)}",
            *(f"{name}: {value}" for name, value in answer.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + answer.body)
        if self.server.verbose:
            self.log_request(answer.status, len(answer.body))

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class EmulatorServer(ThreadingHTTPServer):
    """A thread per connection; every accepted socket gets TCP_NODELAY."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(
        self, service: EmulatedService, port: int = 0, host: str = LOOPBACK, verbose: bool = False
    ) -> None:
        self.service = service
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if not 0 <= port <= 65535:
            raise EmulatorError(f"Port {port} is not a valid TCP port (0-65535).")
        try:
            super().__init__((host, port), EmulatorHandler)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise EmulatorError(f"Port {port} on {host} is already in use.") from None
            raise EmulatorError(f"Cannot listen on {host}:{port}: {e.strerror or e}.") from None

    @property
    def port(self) -> int:
        port: int = self.socket.getsockname()[1]
        return port

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on reverse DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def open_connections(self) -> tuple[socket.socket, ...]:
        """The accepted sockets still open (for diagnostics and tests)."""
        with self._connections_lock:
            return tuple(self._connections)

    def close_connections(self) -> None:
        """End the open keep-alive connections (their threads then finish)."""
        for sock in self.open_connections():
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client went away mid-request: not the emulator's problem
        super().handle_error(request, client_address)
