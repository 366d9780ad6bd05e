"""``symphony keygen PATH``: a ZeroMQ CURVE key pair for encrypted tcp, and the reader of its file.

The key file holds ``public=`` and ``secret=`` lines (mode 0600); ``PATH.pub`` holds the
public key, which clients name as ``server=`` in their own key file.
"""

from __future__ import annotations

import argparse

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


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write a ZeroMQ CURVE key pair: PATH (public+secret, mode 0600) and PATH.pub (public)."""
    import os

    import zmq

    public, secret = zmq.curve_keypair()
    fd = os.open(args.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"public=" + public + b"\nsecret=" + secret + b"\n")
    with open(args.path + ".pub", "wb") as f:
        f.write(b"public=" + public + b"\n")
    print(f"wrote {args.path} (keep it secret) and {args.path}.pub (give it to clients as server=...)")
    return 0


register("keygen", "make a ZeroMQ CURVE key pair for encrypted tcp", _keygen_arguments, cmd_keygen)
