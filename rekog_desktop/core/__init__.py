"""The face core: files to faces to embeddings to ranked candidates. Never imports Qt."""
