"""``POST /v1/embeddings``: deterministic unit vectors, the same text always gives the same vector.

The size of an answer is bounded (:data:`MAX_INPUTS`, :data:`MAX_VALUES`): a small hostile
request cannot make the mock build gigabytes of numbers.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from typing import Any

from ..errors import RequestError
from .tokens import count_tokens

DEFAULT_DIMENSIONS = 1536
MAX_DIMENSIONS = 16384
MAX_INPUTS = 2048
MAX_VALUES = 2_000_000  # inputs x dimensions in one answer


def embed(text: str, dimensions: int) -> list[float]:
    """Hash-seeded values in [-1, 1], normalized to length 1."""
    digest = hashlib.shake_256(text.encode("utf-8", "surrogatepass")).digest(4 * dimensions)
    scaled = [value / 2**31 - 1.0 for value in struct.unpack(f"<{dimensions}I", digest)]
    norm = math.sqrt(sum(value * value for value in scaled)) or 1.0
    return [value / norm for value in scaled]


def embeddings_response(body: Any, default_dimensions: int = DEFAULT_DIMENSIONS) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    if not isinstance(body.get("model"), str):
        raise RequestError("Missing required field 'model' (a string).", param="model")
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not inputs:
        raise RequestError("'input' must be a string or a non-empty array of strings or token arrays.", param="input")
    if len(inputs) > MAX_INPUTS:
        raise RequestError(f"'input' holds {len(inputs)} items; at most {MAX_INPUTS} are allowed.", param="input")
    if not all(isinstance(item, (str, list)) for item in inputs):
        raise RequestError("'input' items must be strings or token arrays.", param="input")
    texts = [item if isinstance(item, str) else " ".join(str(token) for token in item) for item in inputs]
    dimensions = body.get("dimensions", default_dimensions)
    if not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 1 <= dimensions <= MAX_DIMENSIONS:
        raise RequestError(f"'dimensions' must be an integer from 1 to {MAX_DIMENSIONS}.", param="dimensions")
    if len(texts) * dimensions > MAX_VALUES:
        raise RequestError(
            f"{len(texts)} inputs x {dimensions} dimensions is more than the mock builds at once ({MAX_VALUES} "
            "values); send fewer inputs or ask for fewer dimensions.",
            param="input",
        )
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise RequestError("'encoding_format' must be 'float' or 'base64'.", param="encoding_format")
    data = []
    for index, text in enumerate(texts):
        vector = embed(text, dimensions)
        value: Any = (
            vector if encoding == "float" else base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
        )
        data.append({"object": "embedding", "index": index, "embedding": value})
    tokens = sum(count_tokens(text) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def bounded_vectors(texts: list[str], dimensions: Any, param: str = "dimensions") -> list[list[float]]:
    """Vectors for ``texts`` after the size checks every embeddings route shares (``param`` names the size field)."""
    if not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 1 <= dimensions <= MAX_DIMENSIONS:
        raise RequestError(f"'{param}' must be an integer from 1 to {MAX_DIMENSIONS}.", param=param)
    if len(texts) > MAX_INPUTS or len(texts) * dimensions > MAX_VALUES:
        raise RequestError(f"At most {MAX_INPUTS} inputs and {MAX_VALUES} values in one answer.", param="input")
    return [embed(text, dimensions) for text in texts]
