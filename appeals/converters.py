"""Path converters for the appeals' addresses."""


class AppealReferenceConverter:
    """An appeal reference in an address (RC-XXXX-XXXX, see services._new_reference). Anything else is simply not
    found, before any query: PostgreSQL refuses a NUL in a string, so `<str:reference>` turned /appeals/%00/ into
    a server error."""

    regex = "[-0-9A-Z]{1,16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class HandleKeyConverter:
    """A handle as normalised for lookups (models.handle_key), in the misuse pages' addresses. Control characters
    cannot be part of one, and PostgreSQL refuses a NUL in a string: such an address is not found, before any query."""

    regex = "[^/\\x00-\\x1f\\x7f]{1,255}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
