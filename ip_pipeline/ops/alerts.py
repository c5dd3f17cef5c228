"""Alerts: what the run-failure sensor records when a run fails.

Three outlets, each independent of the others (an outlet that fails is logged,
never raised, so one broken webhook cannot hide the alert):

- a log line (the sensor's logger, visible in the daemon log and the UI);
- one JSON object per line appended to `<home>/alerts/alerts.jsonl`;
- a POST of the same JSON to `$IP_PIPELINE_ALERT_WEBHOOK` when it is set.

Webhook URLs often carry a secret (user:password@, a token in the path or the
query string), so only the scheme and host ever reach a log.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ..paths import Home
from ..settings import settings

ALERTS_FILE = "alerts.jsonl"
WEBHOOK_TIMEOUT_S = 10

log = logging.getLogger("ip_pipeline.alerts")


def mask_webhook(url: str) -> str:
    """`https://user:secret@hooks.example.com/T0/B0/xyz?token=abc` -> `https://hooks.example.com/***`.

    Host and port only: credentials, path and query are all treated as secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "***"
    if not parts.scheme:
        return "***"
    return f"{parts.scheme}://{host}{port}/***"


@dataclass
class Alert:
    run_id: str
    job_name: str
    message: str
    kind: str = "run_failure"
    failed_steps: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        partition = self.tags.get("dagster/partition")
        start = self.tags.get("dagster/asset_partition_range_start")
        end = self.tags.get("dagster/asset_partition_range_end")
        return {
            "at": self.at,
            "kind": self.kind,
            "run_id": self.run_id,
            "job": self.job_name,
            "message": self.message,
            "failed_steps": self.failed_steps,
            "partition": partition or (f"{start}…{end}" if start and end else None),
            "trigger": self.tags.get("ip_pipeline/trigger")
            or self.tags.get("dagster/schedule_name")
            or self.tags.get("dagster/sensor_name")
            or ("backfill" if "dagster/backfill" in self.tags else None),
            "tags": self.tags,
        }

    def line(self) -> str:
        steps = f" (failed steps: {', '.join(self.failed_steps)})" if self.failed_steps else ""
        return f"ALERT {self.kind}: job {self.job_name} run {self.run_id} failed{steps}: {self.message}"


@dataclass
class Delivery:
    logged: bool = False
    file: Path | None = None
    webhook_status: int | None = None
    webhook_error: str | None = None


def _append_jsonl(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    # One write under an exclusive lock: two daemons (or a daemon and a test) never interleave lines.
    with open(path, "ab") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(data)
            fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def post_webhook(url: str, record: dict[str, Any], timeout: float = WEBHOOK_TIMEOUT_S) -> int:
    body = json.dumps({"text": record["message"], "alert": record}, ensure_ascii=False, default=str).encode(
        "utf-8"
    )
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "ip-pipeline-alerts"}
    parts = urlsplit(url)
    if parts.username is not None:
        # urllib does not send a URL's user:password itself: strip it and send HTTP basic auth.
        creds = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(creds).decode("ascii")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (URL from the operator's env)
        return int(resp.status)


def send_alert(
    home: Home | str | os.PathLike,
    alert: Alert,
    logger: logging.Logger | Any | None = None,
    webhook: str | None = None,
) -> Delivery:
    """Record `alert` in every outlet; never raises."""
    logger = logger or log
    home = home if isinstance(home, Home) else Home.of(home)
    record = alert.to_json()
    out = Delivery()
    try:
        logger.error(alert.line())
        out.logged = True
    except Exception:  # noqa: BLE001
        pass
    path = home.alerts / ALERTS_FILE
    try:
        _append_jsonl(path, record)
        out.file = path
    except OSError as exc:
        logger.error(f"could not write the alert to {path}: {exc}")
    url = webhook if webhook is not None else settings().alert_webhook
    if url:
        shown = mask_webhook(url)
        try:
            out.webhook_status = post_webhook(url, record)
            logger.info(f"alert posted to {shown} (HTTP {out.webhook_status})")
        except urllib.error.HTTPError as exc:
            out.webhook_error = f"HTTP {exc.code}"
            logger.error(f"alert webhook {shown} answered {out.webhook_error}")
        except Exception as exc:  # noqa: BLE001 (URLError, timeout, bad URL…)
            # The exception text may repeat the URL: say only what kind of failure it was.
            out.webhook_error = type(exc).__name__
            logger.error(f"alert webhook {shown} failed: {out.webhook_error}")
    return out


def read_alerts(home: Home | str | os.PathLike) -> list[dict[str, Any]]:
    home = home if isinstance(home, Home) else Home.of(home)
    path = home.alerts / ALERTS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
