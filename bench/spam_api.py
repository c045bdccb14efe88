"""The learned filter through the public API: the final figures of `make spam-eval`.

For each held-out video and each share learned (0 %, 10 %, 25 %), in a fresh SQLite database:
`commentsvc spam train` on the two other videos' CSV files; a site with moderation `none` and
the default `spam_hold_budget` (0.10); then the test video's comments are posted in time order
through `POST /api/v1/sites/{site}/articles/{article}/comments` and their status read back
through the moderation API. With a share learned, a moderator first decides the oldest share
through `PATCH /api/v1/moderation/comments/{id}` (a comment whose status is already right is
confirmed by moving it to pending and back), the worker's retrain job runs, and only the
comments after that share are counted.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from flask import Flask

from commentsvc import create_app
from commentsvc.spam.store import retrain_if_due

VIDEOS = ("Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv")
SHARES = (0.0, 0.10, 0.25)
ORIGIN = "https://videos.example"
SITE = "videos"
STATUS_OF = {"spam": "caught", "pending": "held", "approved": "published"}


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def make_app(folder: Path) -> Flask:
    app = create_app({"SECRET_KEY": "spam-eval-secret-key-0123456789abcdef",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'eval.db'}",
                      "RATELIMIT_ENABLED": False, "FLOOD_SECONDS": 0, "TESTING": True,
                      "SPAM_RETRAIN_BATCH": 1})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"commentsvc {' '.join(args)}: {result.output}")
    return str(result.output)


class Site:
    """One site on a fresh database, trained on the training videos."""

    def __init__(self, app: Flask, data: Path, train: list[str]) -> None:
        self.app = app
        self.client = app.test_client()
        cli(app, "site", "add", SITE, "--origin", ORIGIN, "--moderation", "none")
        for video in train:
            cli(app, "spam", "train", str(data / video))
        self.token = cli(app, "moderator", "add", "eval", "--admin").strip().split()[-1]
        self.auth = {"Authorization": f"Bearer {self.token}"}
        self.seconds: list[float] = []

    def post(self, n: int, row: dict[str, str]) -> tuple[int, str]:
        """Submit one comment; its id and the status the service gave it."""
        body = {"name": (row["AUTHOR"].strip() or "anonymous")[:100],
                "email": f"viewer{n}@videos.example", "body": row["CONTENT"]}
        start = time.perf_counter()
        answer = self.client.post(f"/api/v1/sites/{SITE}/articles/video/comments", json=body,
                                  headers={"Origin": ORIGIN})
        self.seconds.append(time.perf_counter() - start)
        if answer.status_code not in (201, 202):
            raise RuntimeError(f"row {n}: {answer.status_code} {answer.get_data(as_text=True)}")
        ident = int(answer.get_json()["id"])
        item = self.client.get(f"/api/v1/moderation/comments/{ident}", headers=self.auth)
        return ident, str(item.get_json()["status"])

    def decide(self, ident: int, status: str, spam: bool) -> None:
        """A moderator's decision on one comment (confirming one already right)."""
        target = "spam" if spam else "approved"
        steps = ["pending", target] if status == target else [target]
        for step in steps:
            answer = self.client.patch(f"/api/v1/moderation/comments/{ident}", headers=self.auth,
                                       json={"status": step})
            if answer.status_code != 200:
                raise RuntimeError(f"PATCH {ident} {step}: {answer.status_code}")


def fold(data: Path, test: str, share: float) -> tuple[dict[str, int], list[float]]:
    """Counts of (spam|ham) x (caught|held|published) on the counted part of one video."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        with app.app_context():
            site = Site(app, data, [v for v in VIDEOS if v != test])
            rows = rows_of(data / test)
            seen = int(len(rows) * share)
            for n, row in enumerate(rows[:seen]):
                ident, status = site.post(n, row)
                site.decide(ident, status, row["CLASS"].strip() == "1")
            if seen:
                retrain_if_due()  # the worker's job, as it runs after each poll
            counts: dict[str, int] = {}
            for n, row in enumerate(rows[seen:], start=seen):
                _, status = site.post(n, row)
                key = ("spam " if row["CLASS"].strip() == "1" else "ham ") + STATUS_OF[status]
                counts[key] = counts.get(key, 0) + 1
            return counts, site.seconds


def cells(c: dict[str, int]) -> list[str]:
    spam = sum(v for k, v in c.items() if k.startswith("spam"))
    ham = sum(v for k, v in c.items() if k.startswith("ham"))
    caught, held = c.get("spam caught", 0), c.get("spam held", 0)
    blocked, ham_held = c.get("ham caught", 0), c.get("ham held", 0)
    return [f"{caught}/{spam} = {caught / max(1, spam):.3f}",
            f"{caught + held}/{spam} = {(caught + held) / max(1, spam):.3f}",
            f"{blocked}/{ham} = {blocked / max(1, ham):.3f}",
            f"{ham_held}/{ham} = {ham_held / max(1, ham):.3f}"]


def run(data: Path) -> str:
    lines = ["## Through the public API (spam train on the other two videos; site `none`, "
             "spam_hold_budget 0.10)\n",
             "| test video | learned | caught | off the page (caught + held) | ham blocked "
             "| ham held |", "|---|---:|---:|---:|---:|---:|"]
    seconds: list[float] = []
    for share in SHARES:
        total: dict[str, int] = {}
        for test in VIDEOS:
            counts, took = fold(data, test, share)
            seconds += took
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
            lines.append(f"| {test} | {share:.0%} | " + " | ".join(cells(counts)) + " |")
        lines.append(f"| **all three** | {share:.0%} | " + " | ".join(cells(total)) + " |")
    seconds.sort()
    lines.append(f"\nWhole submission request in process (SQLite, every check): median "
                 f"{seconds[len(seconds) // 2] * 1e3:.1f} ms over {len(seconds)} requests")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")))
