"""Encryption at rest of the secrets the database keeps: the Slack tokens of OAuth installs.

A stored secret is `fernet:` followed by a Fernet token (AES-128-CBC with an
HMAC, see cryptography.io). The prefix tells it apart from a plain-text token
written before migration 0009 (Slack tokens start with `xox`), so the code and
that migration can tell old values from new ones.

The keys come from the TOKEN_ENCRYPTION_KEY setting: one Fernet key, or several
comma-separated, newest first, during a rotation. Values are encrypted with the
newest key and decrypted with whichever one fits; `TokenCipher.rotate`
re-encrypts a value with the newest key so the older ones can be dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import BotError

SETTING = "TOKEN_ENCRYPTION_KEY"
PREFIX = "fernet:"
GENERATE_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class UnreadableSecret(BotError):
    """A stored secret does not decrypt with any key of TOKEN_ENCRYPTION_KEY."""


def parse_keys(value: str) -> tuple[bytes, ...]:
    """The keys of a TOKEN_ENCRYPTION_KEY value, newest first.

    ValueError says which key is malformed, by its place in the list, never by
    its value: the message may end up in a log.
    """
    keys = tuple(part.strip().encode() for part in value.split(",") if part.strip())
    if not keys:
        raise ValueError(f"no key given; make one with {GENERATE_KEY}")
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            place = "the key" if len(keys) == 1 else f"key {number} of {len(keys)}"
            raise ValueError(
                f"{place} is not a Fernet key (32 url-safe base64-encoded bytes); "
                f"make one with {GENERATE_KEY}"
            ) from None
    return keys


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


class TokenCipher:
    """Encrypts with the newest key, decrypts with any of them."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise ValueError("a TokenCipher needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_setting(cls, value: str) -> TokenCipher:
        """From a TOKEN_ENCRYPTION_KEY value; ValueError if a key is malformed."""
        return cls(parse_keys(value))

    def encrypt(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, stored: str, *, what: str = "secret") -> str:
        """The plain text of an encrypted value; UnreadableSecret, naming `what`, if no
        key decrypts it (or it is not an encrypted value at all)."""
        if not is_encrypted(stored):
            raise UnreadableSecret(f"the stored {what} is not encrypted")
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(_wrong_key(what)) from None

    def rotate(self, stored: str, *, what: str = "secret") -> str:
        """`stored` encrypted with the newest key: an encrypted value is re-encrypted,
        a plain-text one (written before encryption) is encrypted."""
        if not is_encrypted(stored):
            return self.encrypt(stored)
        try:
            return PREFIX + self._fernet.rotate(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(_wrong_key(what)) from None


def _wrong_key(what: str) -> str:
    return (
        f"the stored {what} does not decrypt with any key in {SETTING}: give the key it was "
        "encrypted with (during a rotation: the new key first, then the old one, comma-separated)"
    )
