"""File fingerprints, so evidence can show it is unchanged."""

import hashlib

from shipsight.errors import InputError

_CHUNK = 1 << 20


def sha256_file(path):
    """SHA-256 of a file, read in 1 MiB chunks (memory stays flat).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x")
    >>> _ = open(p, "wb").write(b"abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror}); check the path", where=str(path)) from None
    return h.hexdigest()
