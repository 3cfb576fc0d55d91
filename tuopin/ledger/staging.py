"""Staged imports: an uploaded workbook is checked, its change summary shown, and only written
when the user confirms. The file waits under the media folder by a random token (the session
holds the token, the file's name and digest and the summary that was reviewed); uploads reviewed
but never confirmed are removed after a day."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ABANDONED_AFTER = 24 * 3600


@dataclass
class Staged:
    token: str
    path: Path
    filename: str
    sha256: str


class Stage:
    """The staging folder of one ledger (``media/<folder>``) and its session key."""

    def __init__(self, folder: str, session_key: str) -> None:
        self.folder = folder
        self.session_key = session_key

    def directory(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    def path(self, token: str) -> Path:
        return self.directory() / f"{token}.xlsx"

    def keep(self, upload) -> Staged:
        """Stream an accepted upload (org.uploads) to the staging folder."""
        self.directory().mkdir(parents=True, exist_ok=True)
        self.forget_abandoned()
        token = secrets.token_hex(16)
        path = self.path(token)
        digest = hashlib.sha256()
        with path.open("wb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        filename = Path(upload.name or "upload.xlsx").name[:200]
        return Staged(token, path, filename, digest.hexdigest())

    def remember(self, request, staged: Staged, **extra) -> None:
        request.session[self.session_key] = {
            "token": staged.token,
            "filename": staged.filename,
            "sha256": staged.sha256,
            **extra,
        }

    def pending(self, request) -> dict | None:
        """The staged import the confirmation names (by its token), or None."""
        pending = request.session.get(self.session_key)
        if not pending or pending.get("token") != request.POST.get("token", ""):
            return None
        return pending

    def forget(self, request) -> None:
        request.session.pop(self.session_key, None)

    def forget_abandoned(self) -> None:
        """Uploads reviewed but never confirmed are kept a day, then removed."""
        cutoff = time.time() - ABANDONED_AFTER
        for stale in self.directory().glob("*.xlsx"):
            try:
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
            except OSError:
                continue
