"""Google Vertex AI: Gemini ``generateContent`` / ``streamGenerateContent`` / ``countTokens`` under
``/v1|v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}:...``, and Claude's
``rawPredict`` / ``streamRawPredict`` (and ``count-tokens:rawPredict``) under ``publishers/anthropic``.

The Gemini codec and the Anthropic codec do the work; Vertex adds its path, its ``anthropic_version``
(``vertex-2023-10-16``) and the stream flag in the body.
"""

from __future__ import annotations

from typing import Any

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
