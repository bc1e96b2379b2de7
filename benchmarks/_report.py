"""Report lines the model benchmarks share."""

from __future__ import annotations

from luna.observability.metrics import prompt_tokens_by_step


def print_prompt_tokens() -> None:
    """Calls and mean prompt tokens per graph step of this process's model calls (counted
    once ``luna.observability.runs.install()`` has run)."""
    steps = prompt_tokens_by_step()
    print("prompt tokens per model call, by graph step:" if steps else "no model calls counted")
    for step, (calls, mean) in steps.items():
        print(f"  {step:<12} {calls:5d} calls  mean {mean:7.0f} tokens")
