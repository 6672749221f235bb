"""The neutral model's quick constructor: the same instances as the dataclass's own, still frozen."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from AgentTestLibrary.mockllm.conversation import Conversation, Message, Reply, filled_at_once

QUICK = (Conversation, Reply)


def plain_twin(cls: type) -> type:
    """The same fields in a dataclass with the dataclass's own __init__."""
    fields = [(item.name, item.type, dataclasses.field(default=item.default, compare=item.compare))
              for item in dataclasses.fields(cls)]  # fmt: skip
    return dataclasses.make_dataclass(f"Plain{cls.__name__}", fields, frozen=True)


@pytest.mark.parametrize("cls", QUICK, ids=lambda cls: cls.__name__)
def test_the_quick_init_takes_the_same_parameters_and_fills_the_same_fields(cls: type) -> None:
    twin = plain_twin(cls)
    assert list(inspect.signature(cls).parameters) == list(inspect.signature(twin).parameters)
    for name, parameter in inspect.signature(cls).parameters.items():
        assert parameter.default == inspect.signature(twin).parameters[name].default, name
    values = [f"v{number}" for number in range(len(dataclasses.fields(cls)))]
    by_position, by_name = (
        cls(*values),
        cls(**{item.name: value for item, value in zip(dataclasses.fields(cls), values, strict=True)}),
    )
    assert by_position == by_name
    assert dataclasses.astuple(by_position) == dataclasses.astuple(twin(*values))
    assert hash(by_position) == hash(by_name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_position.__setattr__(dataclasses.fields(cls)[0].name, "changed")


def test_the_quick_init_refuses_what_the_dataclass_would_refuse() -> None:
    with pytest.raises(TypeError):
        Conversation("openai.chat", "m")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Reply("hi", colour="red")  # type: ignore[call-arg]
    assert Reply() == Reply("", (), None, None, None, None, "", "", "")
    assert Message("user") == Message("user", "", (), (), ())
    assert dataclasses.replace(Conversation("openai.chat", "m", ()), stream=True).stream is True


def test_a_default_factory_or_post_init_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Listed:
        items: list[str] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="plain defaults"):
        filled_at_once(Listed)
