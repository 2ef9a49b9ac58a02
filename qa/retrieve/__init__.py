"""Stage 2, retrieve: question -> ranked chunks (`Retrieved`: hits, the question vector, the dense scores).

- `hybrid.py`: `Retriever(index, fusion).retrieve(...)`, exact dense search fused with BM25; `Fusion` picks the
  method by name (`score`, the default, or `rrf`) and its weights.
- `dense.py`: `DenseMatrix`, exact cosine search over the chunk vectors held in memory.
- `lexical.py`: `LexicalIndex`, BM25 (bm25s) over the chunks, stemmed per language; `idf_coverage` is also an
  abstention feature.
The embedder is the index's (`qa.embed.make_embedder(Settings.embedder)`; `hashing` is the fake that ranks).
"""
