"""Google Vertex AI: Gemini ``generateContent`` / ``streamGenerateContent`` / ``countTokens`` (and embeddings:
``:predict`` with ``instances[].content``, ``:embedContent`` for the Gemini embedding models) under
``/v1|v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}:...``, and Claude's
``rawPredict`` / ``streamRawPredict`` (and ``count-tokens:rawPredict``) under ``publishers/anthropic``.

The Gemini codec and the Anthropic codec do the work; Vertex adds its path, its ``anthropic_version``
(``vertex-2023-10-16``) and the stream flag in the body.
"""

from __future__ import annotations

from typing import Any

from ...errors import RequestError
from ..embeddings import bounded_vectors
from ..tokens import count_tokens
from .gemini import GeminiCodec
from .hosted_anthropic import HostedAnthropicCodec


class VertexGeminiCodec(GeminiCodec):
    protocol = "vertex.gemini"


class VertexAnthropicCodec(HostedAnthropicCodec):
    protocol = "vertex.anthropic"
    anthropic_version = "vertex-2023-10-16"

    def count_tokens(self, body: Any, params: dict[str, str]) -> dict[str, Any]:
        """``count-tokens:rawPredict``: an Anthropic count-tokens body, its model included."""
        return self.anthropic.count_tokens(body, params)


def predict_embeddings(body: Any, default_dimensions: int) -> dict[str, Any]:
    """``:predict`` for a text-embedding model: one prediction per instance's ``content``."""
    instances = body.get("instances") if isinstance(body, dict) else None
    if not isinstance(instances, list) or not instances:
        raise RequestError("'instances' is required: a non-empty array of {content}.", param="instances")
    texts = [str(item.get("content", "")) if isinstance(item, dict) else "" for item in instances]
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    size = parameters.get("outputDimensionality") or default_dimensions
    vectors = bounded_vectors(texts, size, "parameters.outputDimensionality")
    return {"predictions": [{"embeddings": {"values": vector, "statistics": {"token_count": count_tokens(text),
                                                                           "truncated": False}}}
                            for text, vector in zip(texts, vectors, strict=True)],
            "metadata": {"billableCharacterCount": sum(len(text) for text in texts)}}  # fmt: skip


def embed_content(body: Any, default_dimensions: int) -> dict[str, Any]:
    """``:embedContent`` for the Gemini embedding models: one ``content`` with text parts, its options in
    ``embedContentConfig``."""
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
        raise RequestError("'content' is required: an object with a 'parts' array.", param="content")
    text = "\n".join(str(part.get("text", "")) for part in content["parts"] if isinstance(part, dict))
    config = body.get("embedContentConfig") if isinstance(body.get("embedContentConfig"), dict) else {}
    size = config.get("outputDimensionality") or default_dimensions
    [vector] = bounded_vectors([text], size, "embedContentConfig.outputDimensionality")
    return {"embedding": {"values": vector}, "usageMetadata": {"promptTokenCount": count_tokens(text)},
            "truncated": False}  # fmt: skip
