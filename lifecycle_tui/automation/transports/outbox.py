"""The outbox transport (the default): one file per message in a folder beside the store.

Email becomes an ``.eml`` file (RFC 5322, from ``RenderedMessage.to_eml_bytes()``), SMS and
push a ``.json`` file (``to_payload()`` plus the recipient). The file name comes from the
message's dedupe key, so a retry after a crash overwrites the same file and the outbox never
holds a message twice. Files are written to a temporary name and moved into place with
``os.replace`` (atomic), readable by the owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from lifecycle_tui.automation.transports.base import MessageRecord, SendResult, TransportError, message_payload
from lifecycle_tui.store import settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 120
_TMP_SUFFIX = ".tmp"


def outbox_dir(store) -> Path:
    """The outbox folder: setting ``outbox.dir`` (relative to the store's folder), else ``<store>.outbox``."""
    configured = settings.get(store, "outbox.dir")
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_absolute() else Path(store.path).parent / path
    return Path(store.path).parent / f"{Path(store.path).name}.outbox"


def file_stem(dedupe_key: str) -> str:
    """A filesystem-safe, collision-free name for a dedupe key.

    Readable part (unsafe characters replaced, length capped) plus a short hash of the exact
    key, because two keys can differ only in characters the readable part replaces.
    """
    readable = _UNSAFE.sub("_", dedupe_key).strip("._-")[:_MAX_STEM] or "message"
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}.{digest}"


def file_name(dedupe_key: str, channel: str) -> str:
    return file_stem(dedupe_key) + (".eml" if channel == "email" else ".json")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutboxTransport:
    """Writes each message to ``<outbox>/<dedupe key>.eml|.json``; idempotent by construction."""

    name = "outbox"
    idempotent = True
    channels = frozenset({"email", "sms", "push"})

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def for_store(cls, store) -> "OutboxTransport":
        return cls(outbox_dir(store))

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise TransportError(f"cannot create the outbox folder {self.directory}: {exc.strerror}") from None
        self._remove_stale_temp_files()

    def close(self) -> None:
        pass

    def path_for(self, dedupe_key: str, channel: str) -> Path:
        return self.directory / file_name(dedupe_key, channel)

    def delivered(self, record: MessageRecord) -> SendResult | None:
        """The result of an earlier delivery of this message, if its file is in place (crash recovery)."""
        path = self.path_for(record.dedupe_key, record.channel)
        return SendResult(path=str(path)) if path.is_file() else None

    def send(self, record: MessageRecord, rendered: Any) -> SendResult:
        if record.channel == "email":
            data = rendered.to_eml_bytes()
        else:
            data = (json.dumps(message_payload(record, rendered), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        target = self.path_for(record.dedupe_key, record.channel)
        self._write_atomically(target, data)
        return SendResult(path=str(target))

    def _write_atomically(self, target: Path, data: bytes) -> None:
        # The pid in the temporary name lets a later run tell a dead writer's leftovers apart.
        tmp = target.with_name(f".{target.name}.{os.getpid()}{_TMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise TransportError(f"cannot write {target}: {exc.strerror or exc}") from None

    def _remove_stale_temp_files(self) -> None:
        """Remove half-written files left by a killed run (their writer's pid is gone)."""
        for tmp in self.directory.glob(f".*{_TMP_SUFFIX}"):
            pid_text = tmp.name[: -len(_TMP_SUFFIX)].rsplit(".", 1)[-1]
            if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
                continue
            try:
                tmp.unlink()
            except OSError:
                pass
