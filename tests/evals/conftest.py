"""The real local model for the one slow QA eval (shared with tests/llm)."""

from tests.llm.conftest import chat_model, model_home, model_settings

__all__ = ["chat_model", "model_home", "model_settings"]
