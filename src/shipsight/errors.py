"""The exception tree of shipsight.

Everything a user can get wrong raises :class:`InputError`; the CLI turns it
into one line and exit code 2. Any other exception is our bug.

Example
-------
>>> try:
...     raise InputError("IMO 1234567 fails its check digit", where="row 3, field imo")
... except ValueError as exc:
...     print(exc)
row 3, field imo: IMO 1234567 fails its check digit
"""

import functools
import inspect


class ShipsightError(Exception):
    """Root of every error shipsight raises on purpose."""


class InputError(ShipsightError, ValueError):
    """Something the user supplied is wrong: a file, a value, an unknown id.

    Parameters
    ----------
    message : str
        What is wrong and, where useful, how to mend it.
    where : str, optional
        Where it is wrong: a file, row and field.
    """

    def __init__(self, message, *, where=None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class RowErrors(InputError):
    """Several rows of one input are bad; ``problems`` lists them all.

    Each problem is a ``(row, field, reason)`` tuple, ``row`` counted as the
    user sees the file (the first data row of a CSV is row 2, after its header).
    ``hint``, when the reader can go on past bad rows, says how (e.g. the
    ``--on-invalid skip`` of the commands that have it).
    """

    def __init__(self, source, problems, *, hint=None):
        self.source = source
        self.problems = list(problems)
        self.hint = hint
        row, field, reason = self.problems[0]
        more = len(self.problems) - 1
        tail = f" (and {more} more bad row{'s' * (more > 1)}; nothing was written)" if more else " (nothing was written)"
        super().__init__(f"{reason}{tail}", where=f"{source}, row {row}, field {field}")


class NotFoundError(InputError, LookupError):
    """An id the user named does not exist in the store."""


class StoreError(ShipsightError):
    """The store cannot be used: unreachable server, missing extension, newer schema."""


class ShipsightWarning(UserWarning):
    """Something shipsight guessed or changed and the user should know: a time zone, an
    encoding, digits dropped. Library code raises it with :func:`warnings.warn`; the CLI
    prints each as one ``warning: ...`` line on stderr."""


def names_the_file(func):
    """Make each :class:`InputError` a file-reading function raises name its ``path`` argument.

    Errors found deep inside an import (a scene the rows refer to, a reader's
    own refusal) do not always know the file; the user must still be told
    which file is wrong. An error that names the file already, or an option
    (``where`` starting with ``--``), is left as it is.

    Examples
    --------
    >>> @names_the_file
    ... def read(path):
    ...     raise InputError("scene S1 carries no time")
    >>> read("feed.csv")
    Traceback (most recent call last):
    ...
    shipsight.errors.InputError: feed.csv: scene S1 carries no time
    """
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RowErrors:
            raise  # names its source already
        except InputError as exc:
            path = str(signature.bind(*args, **kwargs).arguments["path"])
            where = exc.where or ""
            if path in str(exc) or where.startswith("--"):
                raise
            raise type(exc)(exc.message, where=f"{path}, {where}" if where else path) from None

    return wrapper
