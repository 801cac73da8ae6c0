"""The data key: encrypts secrets a service must be able to read back (TOTP seeds), so a
copy of the database alone does not hand them over. Fernet (AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

DATA_KEY_FILE = "data.key"
SEALED_PREFIX = "fernet:"


def ensure_data_key(keys_dir: Path) -> None:
    """Create the embedded-mode data key once; later starts reuse it."""
    path = keys_dir / DATA_KEY_FILE
    if path.exists():
        return
    keys_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(Fernet.generate_key())
    tmp.chmod(0o600)
    tmp.rename(path)


def load_data_key(explicit: str | None, keys_dir: Path) -> bytes:
    if explicit:
        return explicit.encode()
    return (keys_dir / DATA_KEY_FILE).read_bytes().strip()


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, plaintext: str) -> str:
        return SEALED_PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(SEALED_PREFIX):
            raise ValueError("not a sealed value")
        try:
            return self._fernet.decrypt(sealed[len(SEALED_PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("the data key does not open this value") from exc
