"""One codec per wire format: provider request → neutral conversation → provider response."""

from .anthropic_messages import AnthropicMessagesCodec
from .base import Codec
from .gemini import GeminiCodec
from .openai_chat import OpenAIChatCodec
from .openai_responses import OpenAIResponsesCodec

__all__ = ["AnthropicMessagesCodec", "Codec", "GeminiCodec", "OpenAIChatCodec", "OpenAIResponsesCodec"]
