"""Who may change what: the write token, the presenter session and CSRF, shared by the
JSON APIs and the pages (neither imports the other)."""
