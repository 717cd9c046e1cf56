"""The use cases: every change to a cluster, written once for the API, the pages and the CLI.

Each function is keyword-only (`create_cluster(*, session, body)`), opens and commits its own
transaction through app.db, lets app.core decide, and fails with one exception type,
`UseCaseFailed` (app/services/errors.py), whatever part of the core refused. The shells only
translate: HTTP requests and forms in, Status objects, HTML fragments or terminal lines out.
Read-side presenters more than one shell shows (a cluster's summary, its saved layout, the
diagram of a view) live here too, so the JSON and the pages never drift apart.
"""
