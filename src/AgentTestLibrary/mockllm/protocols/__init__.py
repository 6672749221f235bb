"""One codec per wire format: provider request → neutral conversation → provider response."""

from .anthropic_messages import AnthropicMessagesCodec
from .base import Codec
from .bedrock import BedrockConverseCodec, BedrockInvokeCodec
from .gemini import GeminiCodec
from .openai_chat import OpenAIChatCodec
from .openai_responses import OpenAIResponsesCodec

__all__ = [
    "AnthropicMessagesCodec",
    "BedrockConverseCodec",
    "BedrockInvokeCodec",
    "Codec",
    "GeminiCodec",
    "OpenAIChatCodec",
    "OpenAIResponsesCodec",
]
