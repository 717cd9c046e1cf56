"""One exception type for every use case that did not happen, whichever core rule refused it.

The core raises errors shaped like the API server's: `ApiError` (a Status code and reason),
`ValidationFailed` (422 Invalid with field errors), `DecodeError`, `SelectorError` and
`manifests.ImportFailed` (per document). A use case wraps whichever it meets in
`UseCaseFailed`, keeping the original as `error`, so a shell catches one type: the API renders
`error` as the same Status as before, a page shows `field_errors` beside their inputs or
`message` above the form, the CLI prints `message`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.core.apiserver.manifests import ImportFailed
from app.core.apiserver.writes import ApiError
from app.core.model.decoding import DecodeError
from app.core.model.fielderrors import FieldError, ValidationFailed
from app.core.model.selectors import SelectorError

CoreError = ApiError | ValidationFailed | DecodeError | SelectorError | ImportFailed
CORE_ERRORS = (ApiError, ValidationFailed, DecodeError, SelectorError, ImportFailed)


class UseCaseFailed(Exception):
    """A use case the core refused; nothing it would have changed was stored."""

    def __init__(self, error: CoreError) -> None:
        super().__init__(str(error))
        self.error = error

    @property
    def message(self) -> str:
        """The one line a person reads: the Status message."""
        return self.error.message if isinstance(self.error, ApiError) else str(self.error)

    @property
    def reason(self) -> str:
        """The Status reason (`AlreadyExists`, `NotFound`, `Invalid`, …)."""
        if isinstance(self.error, ApiError):
            return self.error.reason
        return "BadRequest" if isinstance(self.error, DecodeError | SelectorError) else "Invalid"

    @property
    def field_errors(self) -> list[FieldError]:
        """The fields at fault, when the core named them (422 Invalid)."""
        return self.error.errors if isinstance(self.error, ValidationFailed) else []


@contextmanager
def refusals() -> Iterator[None]:
    """Turn whatever the core raises into UseCaseFailed (the original stays as `error`)."""
    try:
        yield
    except CORE_ERRORS as exc:
        raise UseCaseFailed(exc) from exc
