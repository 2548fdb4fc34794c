"""The one error type for user mistakes: the CLI prints it as a single clear line."""


class EcomError(Exception):
    """A problem the user can fix (bad input, wrong setting); printed without a traceback."""
