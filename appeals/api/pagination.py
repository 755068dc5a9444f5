"""Keyset pagination for API lists: page 10,000 costs what page 1 costs, and rows added while a client walks the
list never make it see a row twice."""

from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_size_query_description = f"Rows per page, 1 to {max_page_size} (default {page_size})."
    cursor_query_description = "Where the page starts: take it from the previous page's `next` (or `previous`)."

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]})
        return size

    def decode_cursor(self, request: Request) -> Cursor | None:
        # DRF checks the cursor's encoding but not its position, which it then compares with the id column: a
        # hand-made cursor would be a server error rather than a refusal.
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                int(cursor.position)
        except (NotFound, ValueError):
            raise ValidationError(
                {"cursor": ["This is not a cursor from a previous page; start without one."]}
            ) from None
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters
