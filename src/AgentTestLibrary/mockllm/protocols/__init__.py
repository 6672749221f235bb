"""One codec per wire format: provider request → neutral conversation → provider response."""

from .anthropic_messages import AnthropicMessagesCodec
from .azure import AzureChatCodec, AzureResponsesCodec
from .base import Codec
from .bedrock import BedrockConverseCodec, BedrockInvokeCodec
from .gemini import GeminiCodec
from .ollama import OllamaChatCodec, OllamaGenerateCodec
from .openai_chat import OpenAIChatCodec
from .openai_responses import OpenAIResponsesCodec
from .vertex import VertexAnthropicCodec, VertexGeminiCodec

__all__ = [
    "AnthropicMessagesCodec",
    "AzureChatCodec",
    "AzureResponsesCodec",
    "BedrockConverseCodec",
    "BedrockInvokeCodec",
    "Codec",
    "GeminiCodec",
    "OllamaChatCodec",
    "OllamaGenerateCodec",
    "OpenAIChatCodec",
    "OpenAIResponsesCodec",
    "VertexAnthropicCodec",
    "VertexGeminiCodec",
]
