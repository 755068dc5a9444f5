class RuleViolation(Exception):
    """A request the rules refuse. Its message is written for the person who asked and shown to them as it is."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
