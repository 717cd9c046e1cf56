"""The Kubernetes model: pure Python, no web framework, no SQL.

Everything here can be unit-tested without a database or a client; the shells in app/api,
app/web and app/db call into it and never re-implement one of its rules.
"""
