"""Model backends: the chat model and the embeddings, built from settings by :mod:`.factory`.

Backends hold no data and know no store: nothing here imports the data layer, the API or the
graphs. Import :mod:`luna.llm.factory` to build models; the runtimes load lazily.
"""
