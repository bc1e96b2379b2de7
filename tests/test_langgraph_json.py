"""``langgraph.json`` registers the rag, agent and playbook graphs for ``langgraph dev`` and
Studio: each entry imports, and its factory returns a compiled graph without building a
runtime (no database, vector store or model) or starting a server."""

from __future__ import annotations

import importlib.util
import inspect
import json
from pathlib import Path

from langgraph.graph.state import CompiledStateGraph

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))


def test_config_has_the_documented_keys():
    config = _config()
    assert config["dependencies"] == ["."]
    assert set(config["graphs"]) == {"rag", "agent", "playbook"}
    assert config["env"] == ".env"  # what Settings reads too (env_file=".env")


def test_each_graph_imports_and_compiles_without_a_runtime(monkeypatch):
    from luna import studio

    def no_runtime() -> None:
        raise AssertionError("a factory built the runtime")

    monkeypatch.setattr(studio, "studio_runtime", no_runtime)
    for name, entry in _config()["graphs"].items():
        path, attr = entry.split(":")
        file = (ROOT / path).resolve()
        assert file.is_file(), entry
        module_name = ".".join(file.relative_to(ROOT).with_suffix("").parts)
        spec = importlib.util.find_spec(module_name)
        assert spec is not None, entry
        assert Path(spec.origin or "") == file, entry
        module = importlib.import_module(module_name)
        factory = getattr(module, attr)
        assert callable(factory), entry
        # the server calls a factory with the run's config (its one parameter)
        assert len(inspect.signature(factory).parameters) == 1, entry
        graph = factory({"configurable": {}})
        assert isinstance(graph, CompiledStateGraph), entry
        assert graph.get_graph().nodes, name


def test_the_studio_rag_graph_runs_the_rag_graph(monkeypatch, settings, clean_db, tmp_path):
    """The registered graph runs the real one with the runtime's context (a scripted model
    stands in for the local LLM)."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_core.messages import AIMessage, HumanMessage

    from luna import studio
    from luna.runtime import Runtime

    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    rt.register_prompts()
    name = "luna-strom-dynamisch-preisblatt.pdf"
    assert rt.ingest.ingest((ROOT / "samples" / "knowledge" / name).read_bytes(), name).chunks
    rt.__dict__["chat_model"] = FakeListChatModel(responses=["Der Grundpreis: 14,90 € [1]."])
    monkeypatch.setattr(studio, "studio_runtime", lambda: rt)
    try:
        question = "Wie hoch ist der Grundpreis im dynamischen Tarif?"
        result = studio.rag({}).invoke({"messages": [HumanMessage(question)]})
    finally:
        rt.close()
    assert result["question"] == question
    assert result["sources"]
    assert result["answer"].startswith("Der Grundpreis")
    assert isinstance(result["messages"][-1], AIMessage)
    assert [type(m) for m in result["messages"]] == [HumanMessage, AIMessage]
