"""Strict helpers that read settings from environment variables.

A malformed value stops start-up with a message that names the variable, so a typo in a
deployment never turns into a silently different setting.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os


class SettingError(ValueError):
    """An environment variable holds a value that cannot be used."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"环境变量 {name} 的值 {raw!r} 不是布尔值（可用 true/false、1/0、yes/no）")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"环境变量 {name} 的值 {raw!r} 不是整数") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"环境变量 {name} 的值 {value} 小于允许的最小值 {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(
    name: str, default: list[str]
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated IP addresses or networks, e.g. 10.0.0.5,10.1.0.0/24."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(
                f"环境变量 {name} 中的 {item!r} 不是 IP 地址或网段（例如 10.0.0.5 或 10.0.0.0/24）"
            ) from None
    return networks


def env_datetime(name: str) -> dt.datetime | None:
    """An ISO 8601 moment with an explicit offset, e.g. 2018-07-20T10:00+08:00."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise SettingError(
            f"环境变量 {name} 的值 {raw!r} 不是 ISO 8601 时间（例如 2018-07-20T10:00+08:00）"
        ) from None
    if value.tzinfo is None:
        raise SettingError(f"环境变量 {name} 的值 {raw!r} 缺少时区偏移（例如 +08:00）")
    return value
