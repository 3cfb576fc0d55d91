"""When and where a progress photo was taken: the photo's own EXIF (DateTimeOriginal, GPS) when
the phone kept it, else what the page sent (the file's time, the phone's position)."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, UnidentifiedImageError

from tuopin.lib import clock

_DATETIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825


@dataclass
class Facts:
    taken_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _degrees(values, ref: str) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if ref in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


def facts(upload) -> Facts:
    """What the photo says about itself; nothing when it carries no EXIF (or is not readable)."""
    found = Facts()
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            exif = image.getexif()
            detail = exif.get_ifd(_EXIF_IFD)
            gps = exif.get_ifd(_GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return found
    finally:
        upload.seek(0)
    text = detail.get(_DATETIME_ORIGINAL) or exif.get(0x0132)
    if isinstance(text, str):
        # EXIF times carry no zone: a phone in the county shows Beijing time.
        with contextlib.suppress(ValueError):
            found.taken_at = dt.datetime.strptime(text.strip(), "%Y:%m:%d %H:%M:%S").replace(
                tzinfo=clock.SHANGHAI
            )
    if gps and 2 in gps and 4 in gps:
        latitude = _degrees(gps[2], str(gps.get(1, "N")))
        longitude = _degrees(gps[4], str(gps.get(3, "E")))
        if (
            latitude is not None
            and longitude is not None
            and -90 <= latitude <= 90
            and -180 <= longitude <= 180
        ):
            found.latitude, found.longitude = latitude, longitude
    return found


def moment(text: str) -> dt.datetime | None:
    """The file's time sent by the page (ISO 8601); None when absent, malformed or absurd."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.SHANGHAI)
    if not 2000 <= value.year <= 2100 or value > clock.now() + dt.timedelta(days=1):
        return None
    return value
