"""One codec per wire format: provider request → neutral conversation → provider response."""

from .anthropic_messages import AnthropicMessagesCodec
from .base import Codec, RequestError
from .openai_chat import OpenAIChatCodec

__all__ = ["AnthropicMessagesCodec", "Codec", "OpenAIChatCodec", "RequestError"]
