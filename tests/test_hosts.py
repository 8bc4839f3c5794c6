"""Host grammar, the name without its port, and TRUSTED_HOSTS matching."""

from __future__ import annotations

import pytest

from hipflask.hosts import check_trusted_host, is_valid_host, split_host


@pytest.mark.parametrize(
    "host",
    ["example.com", "EXAMPLE.com:8080", "127.0.0.1", "[::1]", "[::1]:443", "web_app", "h:65535"],
)
def test_valid_hosts(host: str) -> None:
    assert is_valid_host(host)


@pytest.mark.parametrize(
    "host",
    ["", "a b", "a@b", "a/b", "a?b", "a#b", "h:", "h:0", "h:080", "h:65536", "[::1", "é.com",
     "a" * 256, "h\r\n"],
)  # fmt: skip
def test_invalid_hosts(host: str) -> None:
    assert not is_valid_host(host)
    assert split_host(host) is None


def test_split_host_drops_the_port_and_lowers() -> None:
    assert split_host("Example.COM:8080") == "example.com"
    assert split_host("[::1]:80") == "[::1]"


def test_check_trusted_host() -> None:
    trusted = ["example.com", ".example.org", "localhost:5000"]
    assert check_trusted_host("example.com:8080", trusted)
    assert check_trusted_host("example.org", trusted)
    assert check_trusted_host("a.b.example.org", trusted)
    assert check_trusted_host("localhost", trusted)
    assert not check_trusted_host("evil.com", trusted)
    assert not check_trusted_host("badexample.org", trusted)
    assert not check_trusted_host("example.com@evil.com", trusted)
