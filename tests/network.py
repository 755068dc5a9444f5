"""Loopback helpers for the tests that run real servers (gunicorn, SMTP, webhook receivers) or point at dead ones."""

import socket

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now: a server started on it next will get it, a client will be refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
