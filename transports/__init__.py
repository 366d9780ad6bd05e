"""Symphony's transports: one module per URI scheme.

Each module provides a transport class registered under the entry point group
``symphony.transports`` (name = URI scheme). ``symphony.actors`` finds them there by
scheme, so a third-party package can add a scheme without touching Symphony.
The schemes themselves (``inproc``, ``tcp``, ``ipc``, ``unix``) arrive with the transports
issue; this package is the place they live.
"""
