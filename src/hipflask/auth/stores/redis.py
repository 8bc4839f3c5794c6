"""The login store on Redis: for several machines, next to Redis-backed sessions.

Keys under the prefix (``hipflask:auth:``): ``login:<hash>`` and ``token:<selector>`` hashes
that expire by themselves, and ``user:<id>``, the set of a user's keys, which makes "log out
everywhere" one script. Each call is atomic (a Lua script where it reads and writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from ...sessions.connections import fail_closed, redis_client, redis_outages
from .base import LoginRecord, LoginStore, TokenRow

__all__ = ["RedisLoginStore"]

T = TypeVar("T")

# KEYS: record, user set. ARGV: ttl (ms), then field/value pairs.
_INSERT = """
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
"""
# KEYS: token. ARGV: old hash, new hash, now. Compare-and-set of the validator hash.
_SWAP = """
if redis.call('HGET', KEYS[1], 'validator_hash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'validator_hash', ARGV[2], 'previous_hash', ARGV[1], 'rotated', ARGV[3])
return 1
"""
# KEYS: record. ARGV: the prefix of user sets. Deletes the record and its entry in the user's set.
_DELETE = """
local user = redis.call('HGET', KEYS[1], 'user_id')
redis.call('DEL', KEYS[1])
if user then redis.call('SREM', ARGV[1] .. user, KEYS[1]) end
"""
# KEYS: user set. Deletes every record it names, then the set.
_DELETE_USER = """
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
"""


class RedisLoginStore(LoginStore):
    """Logins and tokens in Redis; unreachable Redis gives a 503 within a bounded time."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "hipflask:auth:",
        timeout: float = 0.5,
        client: Any = None,
    ) -> None:
        self.prefix = prefix
        self._errors = redis_outages()
        if client is None:
            client = redis_client(url, timeout=timeout, decode_responses=True)
        self.client = client
        self._insert = client.register_script(_INSERT)
        self._swap = client.register_script(_SWAP)
        self._delete = client.register_script(_DELETE)
        self._delete_user_script = client.register_script(_DELETE_USER)

    def _call(self, func: Callable[[], T]) -> T:
        return fail_closed(func, self._errors, "login store")

    def _store(self, key: str, user_id: str, fields: dict[str, Any], expires: float) -> None:
        ttl_ms = max(1, int((expires - time.time()) * 1000))
        args: list[Any] = [ttl_ms]
        for name, value in fields.items():
            args += (name, value)
        user_key = f"{self.prefix}user:{user_id}"
        self._call(lambda: self._insert(keys=[key, user_key], args=args))

    def _load(self, key: str) -> tuple[dict[str, str], float] | None:
        def read() -> Any:
            with self.client.pipeline() as pipe:
                return pipe.hgetall(key).pttl(key).execute()

        fields, ttl_ms = self._call(read)
        if not fields or ttl_ms < 0:
            return None
        return fields, time.time() + ttl_ms / 1000

    def _insert_login(self, key: str, user_id: str, auth_hash: str, expires: float) -> None:
        fields = {"user_id": user_id, "auth_hash": auth_hash}
        self._store(f"{self.prefix}login:{key}", user_id, fields, expires)

    def _get_login(self, key: str) -> LoginRecord | None:
        found = self._load(f"{self.prefix}login:{key}")
        if found is None:
            return None
        fields, expires = found
        return LoginRecord(fields["user_id"], fields.get("auth_hash", ""), expires)

    def _set_login_expiry(self, key: str, expires: float) -> None:
        ttl_ms = max(1, int((expires - time.time()) * 1000))
        self._call(lambda: self.client.pexpire(f"{self.prefix}login:{key}", ttl_ms))

    def _delete_record(self, key: str) -> None:
        user_prefix = f"{self.prefix}user:"
        self._call(lambda: self._delete(keys=[key], args=[user_prefix]))

    def _delete_login(self, key: str) -> None:
        self._delete_record(f"{self.prefix}login:{key}")

    def _insert_token(self, selector: str, row: TokenRow) -> None:
        fields = row._asdict()
        del fields["expires"]
        self._store(f"{self.prefix}token:{selector}", row.user_id, fields, row.expires)

    def _get_token(self, selector: str) -> TokenRow | None:
        found = self._load(f"{self.prefix}token:{selector}")
        if found is None:
            return None
        fields, expires = found
        return TokenRow(
            fields["user_id"],
            fields.get("auth_hash", ""),
            fields.get("validator_hash", ""),
            fields.get("previous_hash", ""),
            float(fields.get("rotated", 0)),
            expires,
        )

    def _swap_token(self, selector: str, old: str, new: str, now: float) -> bool:
        key = f"{self.prefix}token:{selector}"
        return bool(self._call(lambda: self._swap(keys=[key], args=[old, new, repr(now)])))

    def _delete_token(self, selector: str) -> None:
        self._delete_record(f"{self.prefix}token:{selector}")

    def _delete_user(self, user_id: str) -> None:
        user_key = f"{self.prefix}user:{user_id}"
        self._call(lambda: self._delete_user_script(keys=[user_key]))

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()
