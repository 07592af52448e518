"""The exception raised for corrupt or inconsistent zfp streams."""


class ZFPError(ValueError):
    """A zfp stream or request that cannot be honoured: a missing or corrupt
    header, a truncated stream, an output buffer of the wrong size, ...

    `status` names the engine's reason (``"header"``, ``"truncated"``, ...)
    where the C engine detected the problem, else None.
    """

    def __init__(self, message: str, status: str | None = None):
        super().__init__(message)
        self.status = status
