"""Exception hierarchy of the credit service."""


class CreditServiceError(Exception):
    """Root of every error the service raises on purpose."""


class PoisonMessageError(CreditServiceError):
    """An input that can never be processed, however often it is retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReferenceDataError(CreditServiceError):
    """Reference data is missing or inconsistent."""


class ConfigurationError(CreditServiceError):
    """The service is configured wrongly and cannot start."""


class InvalidEventError(PoisonMessageError):
    """A well-formed event the rules cannot apply (an invoice with no exchange rate, say)."""
