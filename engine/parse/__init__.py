"""Stage 2 — parse: a `Document` becomes a `Report` (parts, tables by canonical address, metadata).

Public interface:
    parse_document(doc: Document) -> Report      raises NotAReportError
    parse_file(path) -> Report                   ingest + parse
"""
