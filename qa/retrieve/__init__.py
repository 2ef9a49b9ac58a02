"""Stage 2, retrieve: question -> ranked chunks (`Retrieved`: hits, the question vector, the dense scores).

- `hybrid.py`: `Retriever(index, fusion).retrieve(...)`, dense search fused with BM25; `Fusion` picks the
  method by name (`score`, the default, or `rrf`) and its weights. Up to `Settings.dense_exact_max` chunks it
  holds every chunk; above, none (only those a question returns, read by id).
- `dense.py`: `DenseMatrix`, exact cosine search over the chunk vectors held in memory; `StoreDense`, Chroma's
  own approximate index above the threshold.
- `lexical.py`: BM25 (bm25s) over the chunks, stemmed per language: `LexicalIndex` built in memory, or
  `StoredLexical`, the collection's persistent index memory-mapped (`qa.lexical_store`); `idf_coverage` is also
  an abstention feature.
The embedder is the index's (`qa.embed.make_embedder(Settings.embedder)`; `hashing` is the fake that ranks).
"""
