"""Stage 1 — ingest: a file on disk becomes a `Document` (lines with their source locations).

Public interface (stable, used by parse and the batch runner):
    read_document(path) -> Document       raises IngestError
    IngestError.status                   one of INGEST_STATUSES, with a Chinese message
"""
