"""Symphony's transports: one module per URI scheme.

Each module provides a transport class registered under the entry point group
``symphony.transports`` (name = URI scheme). ``symphony.actors`` finds them there by
scheme, so a third-party package can add a scheme without touching Symphony.
The source lives in the top-level ``transports/`` folder and is installed as
``symphony.transports``: ``inproc``, ``tcp`` and ``ipc`` (ZeroMQ), and ``unix``.
"""
