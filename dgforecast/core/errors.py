"""Error types. Each is turned into one line and an exit code at the CLI edge."""


class DgforecastError(Exception):
    """Base class for the errors a user can fix; the CLI prints them and exits with 2."""

    exit_code = 2


class ProjectNotFound(DgforecastError):
    """No workbook (params.yaml and data/raw/) in the current folder or above it."""


class DataError(DgforecastError):
    """A raw data file is missing, malformed or inconsistent.

    Parameters
    ----------
    path : str or Path
        The file at fault.
    where : str
        Row, column or key within the file (``"row 4, column value"``); may be empty.
    what : str
        What is wrong and, where possible, what to do about it.
    """

    def __init__(self, path, where, what):
        self.path, self.where, self.what = str(path), where, what
        location = f"{self.path}: {where}" if where else self.path
        super().__init__(f"{location}: {what}")

    def __reduce__(self):
        # Raised in a worker process, the error must travel back whole (pickle calls __init__ again).
        return type(self), (self.path, self.where, self.what)


class ParamsError(DgforecastError):
    """A parameter file or command-line parameter is invalid."""


class ModelError(DgforecastError):
    """A model cannot be fitted to the series it was given (too short, gaps, non-positive)."""
