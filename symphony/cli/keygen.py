"""``symphony keygen PATH``: a ZeroMQ CURVE key pair for encrypted tcp, and the reader of its file.

The key file holds ``public=`` and ``secret=`` lines (mode 0600); ``PATH.pub`` holds the
public key, which clients name as ``server=`` in their own key file. An existing key is
never overwritten unless ``--force`` is given (a lost secret key cannot be recovered).
"""

from __future__ import annotations

import argparse
import errno
import os

from symphony.errors import CommandError

from ._registry import register

__all__ = ["cmd_keygen", "read_curve_keys"]


def read_curve_keys(path: str) -> dict[str, bytes]:
    """Transport options from a key file written by ``symphony keygen`` (``public=``, ``secret=``
    lines; a ``server=`` line, the server's public key, makes outgoing links use CURVE too)."""
    names = {b"public": "curve_public_key", b"secret": "curve_secret_key", b"server": "curve_server_key"}
    keys: dict[str, bytes] = {}
    with open(path, "rb") as f:
        for line in f:
            key, _, value = line.strip().partition(b"=")
            if key in names and value:
                keys[names[key]] = value.strip()
    return keys


def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="where to write the secret key file (the public key goes to PATH.pub)")
    parser.add_argument("--force", action="store_true", help="overwrite PATH and PATH.pub if they exist")


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write a ZeroMQ CURVE key pair: PATH (public+secret, mode 0600) and PATH.pub (public)."""
    import zmq

    paths = (args.path, args.path + ".pub")
    for path in paths:  # checked before either file is written
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if os.path.lexists(path) and not args.force:
            raise CommandError(f"{path} exists; pass --force to overwrite it")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    public, secret = zmq.curve_keypair()
    exclusive = 0 if args.force else os.O_EXCL  # a key that appeared since the check is kept
    fd = os.open(args.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | exclusive, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)  # an overwritten file keeps its old mode otherwise
        f.write(b"public=" + public + b"\nsecret=" + secret + b"\n")
    fd = os.open(paths[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | exclusive, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(b"public=" + public + b"\n")
    print(f"wrote {args.path} (keep it secret) and {args.path}.pub (give it to clients as server=...)")
    return 0


register("keygen", "make a ZeroMQ CURVE key pair for encrypted tcp", _keygen_arguments, cmd_keygen)
