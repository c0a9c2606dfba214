"""The index on a Chroma server (``CHROMA_HOST``): a real ``chroma run`` on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.index import Index

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("the chroma command (from chromadb) is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(CHROMA if CHROMA.exists() else "chroma"),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("chroma run did not start")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_index_on_a_chroma_server(settings, chroma_server):
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})
    reports = load_corpus(remote).reports
    index = Index(remote)
    stats = index.sync(reports)
    assert stats.embedded_passages == sum(len(r.passages) for r in reports)
    hits = index.search("read only access to information systems", k=3, authority="County Durham")
    assert hits and all(h.passage.authority == "County Durham" for h in hits)
    assert not any(settings.vectorstore_dir.glob("chroma.sqlite3")), "vectors must live on the server"
    # A second client sees the same collection: nothing to embed again.
    assert Index(remote).sync(reports).embedded_passages == 0
