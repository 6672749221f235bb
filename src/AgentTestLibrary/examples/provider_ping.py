"""One minimal request to a provider with its official SDK: proves the key, the endpoint and the SDK agree.

    python -m AgentTestLibrary.examples.provider_ping --provider anthropic|openai|gemini [--model MODEL] PROMPT

Prints the reply text. Exit 1 with the error class and status (never the key) on failure.
Works against the mock too (the SDKs read the same base-URL variables).
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_MODELS = {"anthropic": "claude-haiku-4-5", "openai": "gpt-4o-mini", "gemini": "gemini-2.5-flash"}


def ask(provider: str, model: str, prompt: str) -> str:
    if provider == "anthropic":
        import anthropic

        message = anthropic.Anthropic(max_retries=1).messages.create(
            model=model, max_tokens=16, messages=[{"role": "user", "content": prompt}]
        )
        return "".join(block.text for block in message.content if block.type == "text")
    if provider == "openai":
        import openai

        completion = openai.OpenAI(max_retries=1).chat.completions.create(
            model=model, max_tokens=16, messages=[{"role": "user", "content": prompt}]
        )
        return completion.choices[0].message.content or ""
    from google import genai

    return genai.Client().models.generate_content(model=model, contents=prompt).text or ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=tuple(DEFAULT_MODELS), required=True)
    parser.add_argument("--model")
    parser.add_argument("prompt")
    args = parser.parse_args()
    try:
        print(ask(args.provider, args.model or DEFAULT_MODELS[args.provider], args.prompt))
    except Exception as error:  # noqa: BLE001 - report any SDK failure without its payload
        status = getattr(error, "status_code", None) or getattr(error, "code", None)
        print(f"provider error: {type(error).__name__} (status {status})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
