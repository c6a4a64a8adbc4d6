"""Raw HTTP for requests an HTTP library will not send as asked, and the bot's footprint.

`raw_post` writes the request line and headers itself (a Content-Length that is a lie,
or chunked), sends the body from a thread while it reads, and returns as soon as the
answer is in: the bot may answer, and close, long before the body is all sent.
`Footprint` is the bot process's resident memory and log, before and after.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.sandbox.bot_process import BotProcess

MIB = 1 << 20


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    seconds: float


def raw_post(
    url: str, headers: dict[str, str], body: Iterable[bytes], timeout: float = 20
) -> Answer:
    """POST `body` (chunks) to `url` with exactly `headers` (plus Host)."""
    parts = urlsplit(url)
    began = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as conn:
        head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        sender = threading.Thread(target=_send_all, args=(conn, body), daemon=True)
        sender.start()
        status, text = _read_answer(conn)
    return Answer(status, text, time.monotonic() - began)


def _send_all(conn: socket.socket, body: Iterable[bytes]) -> None:
    try:
        for chunk in body:
            conn.sendall(chunk)
    except OSError:
        pass  # the bot answered and closed: the rest is not wanted


def _read_answer(conn: socket.socket) -> tuple[int, str]:
    received = b""
    while b"\r\n\r\n" not in received:
        received += _recv(conn)
    head, _, rest = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    while len(rest) < length:
        rest += _recv(conn)
    return int(lines[0].split()[1]), rest[:length].decode()


def _recv(conn: socket.socket) -> bytes:
    data = conn.recv(65536)
    if not data:
        raise ConnectionError("the bot closed the connection without a full answer")
    return data


def repeated(total: int, chunk: bytes = b"a" * 65536) -> Iterator[bytes]:
    """`total` bytes of body, in 64 KiB pieces."""
    for start in range(0, total, len(chunk)):
        yield chunk[: min(len(chunk), total - start)]


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """`pieces` in HTTP/1.1 chunked transfer coding, ending with the empty chunk."""
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


@dataclass
class Footprint:
    """The bot's resident memory (kB, from /proc) and log, read at `start`."""

    bot: BotProcess
    rss_kb: int = 0
    log_lines: int = 0
    log_bytes: int = 0

    def start(self) -> Footprint:
        self.rss_kb, self.log_lines, self.log_bytes = self._read()
        return self

    def growth(self) -> tuple[int, int, int]:
        """(kB of memory, log lines, log bytes) added since `start`, once the log settles."""
        time.sleep(0.3)  # the refusal's log line is written after the answer
        rss_kb, lines, size = self._read()
        return rss_kb - self.rss_kb, lines - self.log_lines, size - self.log_bytes

    def new_log(self) -> str:
        return self.bot.log_path.read_bytes()[self.log_bytes :].decode(errors="replace")

    def _read(self) -> tuple[int, int, int]:
        log = self.bot.log_path.read_bytes()
        return rss_kb(self.bot.process.pid), log.count(b"\n"), len(log)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
