"""Outbound HTTP for webhooks that reaches only the public internet.

Whoever registers an endpoint chooses the URL the worker POSTs to. Without a check, a URL naming 127.0.0.1, a private
network or a cloud metadata address (169.254.169.254) would let them make this server talk to its own neighbours. The
address is checked where the connection is made, after the name is resolved, and the connection goes to the address
that was checked: a name that resolves differently a moment later (DNS rebinding) changes nothing.
"""

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any

from django.conf import settings


class PrivateAddressRefused(OSError):
    """The endpoint's host resolves to an address that is not on the public internet."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _public_connection(
    address: tuple[str, int], timeout: float | None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    host, port = address
    candidates = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        refused = [str(info[4][0]) for info in candidates if not is_public(str(info[4][0]))]
        if refused:
            raise PrivateAddressRefused(f"{host} resolves to {refused[0]}, which is not a public internet address")
    error: OSError | None = None
    for *_, sockaddr in candidates:
        try:
            return socket.create_connection((str(sockaddr[0]), int(sockaddr[1])), timeout, source_address)
        except OSError as failure:
            error = failure
    raise error or OSError(f"{host} has no address")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; TLS still verifies the certificate against the host name in the URL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPConnection, req)


class PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]
