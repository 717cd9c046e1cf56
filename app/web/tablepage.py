"""The Services, Pods and Nodes tables, one chunk at a time.

A table page is `kubectl get … --chunk-size`: it lists through app/services/lists.py with the
apiserver's own `limit` and `continue` (so a 150,000-pod cluster renders 50 rows, not all of
them), and keeps the selectors in every link so filters and paging work together. What the
apiserver would refuse (a bad token, a selector that does not parse) is said above the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlmodel import Session

from app.core.apiserver import tables
from app.core.apiserver.paging import Chunk
from app.core.apiserver.writes import ApiError
from app.core.model.workspace import Manifest
from app.db.tables import ClusterRow
from app.services import lists

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
"""A page renders every row it gets; beyond this the browser, not the server, is slow."""
RESOURCES = {"services": "services", "pods": "pods", "nodes": "nodes"}


@dataclass(frozen=True)
class TableQuery:
    """A table URL's query: chunk size, where to continue, and the selectors."""

    limit_text: str = ""
    token: str = ""
    label_selector: str = ""
    field_selector: str = ""

    @classmethod
    def from_request(cls, request: Request) -> TableQuery:
        q = request.query_params
        return cls(
            limit_text=q.get("limit", "")[:20],
            token=q.get("continue", "")[:4096],
            label_selector=q.get("labelSelector", "")[:4096],
            field_selector=q.get("fieldSelector", "")[:4096],
        )

    def limit(self) -> int:
        """The chunk size asked for (PAGE_SIZE when none); ValueError when out of range."""
        if not self.limit_text:
            return PAGE_SIZE
        text = self.limit_text.strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
            raise ValueError(
                f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}, not {self.limit_text!r}"
            )
        return int(text)

    def query(self, token: str | None = "") -> str:
        """This query with another continue token (None: none at all)."""
        params = [
            ("limit", self.limit_text),
            ("labelSelector", self.label_selector),
            ("fieldSelector", self.field_selector),
            ("continue", token or ""),
        ]
        return urlencode([(k, v) for k, v in params if v])


def table_rows(resource: str, items: list[Manifest], now: datetime) -> list[dict[str, Any]]:
    table = tables.table(resource, items, "0", now)
    return [
        {"object": item, "cells": row["cells"]}
        for item, row in zip(items, table["rows"], strict=True)
    ]


def _paging(query: TableQuery, piece: Chunk) -> dict[str, Any]:
    first = piece.offset + 1 if piece.items else piece.offset
    return {
        "first": first,
        "last": piece.offset + len(piece.items),
        "total": piece.total,
        "next": query.query(piece.continue_token) if piece.continue_token else None,
        "previous": None if piece.previous_token is None else query.query(piece.previous_token),
        "here": query.query(query.token),
    }


def table_context(
    session: Session, row: ClusterRow, what: str, query: TableQuery
) -> dict[str, Any]:
    """Columns, the chunk's rows and the paging links; `error` instead of rows when the
    query is refused."""
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "columns": [c[0].upper() for c in tables.COLUMNS[what][0]],
        "rows": [],
        "query": query,
        "paging": None,
        "error": "",
    }
    try:
        _, piece = lists.list_chunk(
            session=session,
            row=row,
            resource=RESOURCES[what],
            namespace=None,
            limit=query.limit(),
            token=query.token,
            label_selector=query.label_selector,
            field_selector=query.field_selector,
        )
    except (ValueError, ApiError) as exc:  # SelectorError is a ValueError
        context["error"] = exc.message if isinstance(exc, ApiError) else str(exc)
    else:
        context["rows"] = table_rows(what, piece.items, now)
        context["paging"] = _paging(query, piece)
    if what == "pods":
        _, deployments = lists.listing(session, row, "deployments", None)
        context["deployment_columns"] = [c[0].upper() for c in tables.COLUMNS["deployments"][0]]
        context["deployments"] = table_rows("deployments", deployments[:MAX_PAGE_SIZE], now)
    return context
