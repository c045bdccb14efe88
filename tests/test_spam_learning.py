"""The learned filter in the service: training, versions, the hold budget, decisions, erasure."""

from __future__ import annotations

import datetime as dt
import threading
import typing as t
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commentsvc import sites
from commentsvc.extensions import db
from commentsvc.models import SpamExample, SpamModel
from commentsvc.notify import worker
from commentsvc.spam import store
from commentsvc.spam.learned import judge
from tests.conftest import Actions

SPAM = ["Subscribe to my channel for free gift cards", "check out my channel please subscribe",
        "Free money here, visit my page", "subscribe and like my new video",
        "Please visit my channel and subscribe"]
HAM = ["I love this song so much", "This dance is so funny", "Who is watching in 2015?",
       "Best music video ever made", "Her voice is amazing in this one",
       "The beat drops so hard here"]


def write_csv(folder: Path, n: int = 4, name: str = "train.csv") -> Path:
    lines = ["AUTHOR,CONTENT,CLASS"]
    for k in range(n):
        lines += [f'Promo {k},"{s} {k}",1' for s in SPAM] + [f'Fan {k},"{h} {k}",0' for h in HAM]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train(runner: t.Any, folder: Path, n: int = 4) -> str:
    result = runner.invoke(args=["spam", "train", str(write_csv(folder, n))])
    assert result.exit_code == 0, result.output
    return str(result.output)


def item(actions: Actions, token: str, ident: int) -> dict[str, t.Any]:
    answer = actions.client.get(f"/api/v1/moderation/comments/{ident}",
                                headers={"Authorization": f"Bearer {token}"})
    return t.cast(dict[str, t.Any], answer.json)


def run_worker_once() -> list[str]:
    """Run `commentsvc worker`'s loop until it says something (at most a minute)."""
    stop = threading.Event()
    said: list[str] = []
    timer = threading.Timer(60, stop.set)
    timer.start()

    def echo(line: str) -> None:
        said.append(line)
        stop.set()

    worker.run_forever(stop, echo=echo)
    timer.cancel()
    return said


def scalar(app: t.Any, query: t.Any) -> t.Any:
    with app.app_context():
        return db.session.scalar(query)


def test_spam_train_keeps_the_rows_and_switches_to_a_new_version(app, runner, tmp_path):
    assert "learned 20 spam and 24 ham comments; filter version 1" in train(runner, tmp_path)
    assert "filter version 2" in train(runner, tmp_path)  # the second file: a new version
    assert scalar(app, select(func.count()).select_from(SpamExample)) == 88
    with app.app_context():
        head = db.session.scalar(select(SpamModel).order_by(SpamModel.id.desc()))
        assert head is not None and head.fingerprint == store.hasher().fingerprint
        assert store.current() is not None


def test_until_trained_the_filter_holds_nothing(actions, runner, tmp_path):
    actions.site("demo", moderation="none")
    assert runner.invoke(args=["site", "set", "demo", "--spam-hold-budget", "1"]).exit_code == 0
    assert "not enough examples" in train(runner, tmp_path, n=1)  # 5 spam, 6 ham: too few
    answer = actions.post(body="Subscribe to my channel for free gift cards 9")
    assert answer.status_code == 201 and answer.json["status"] == "approved"


def test_the_hold_band_follows_the_site_budget(actions, runner, tmp_path):
    actions.site("demo", moderation="none")
    token = actions.moderator("mod", "demo")
    train(runner, tmp_path)
    text = "I love this song so much, her voice is amazing"
    assert runner.invoke(args=["site", "set", "demo", "--spam-hold-budget", "1"]).exit_code == 0
    held = actions.post(body=text, email="a@example.org")
    assert held.status_code == 202  # a budget of 1: the site reviews whatever is not spam
    reasons = item(actions, token, held.json["id"])["spam"]["reasons"]
    assert any(r.startswith("learned filter: spam probability") for r in reasons), reasons
    assert runner.invoke(args=["site", "set", "demo", "--spam-hold-budget", "0"]).exit_code == 0
    # on another article: the same words twice on one article are held as a copy (issue 12.3)
    published = actions.post(article="another", body=text, email="b@example.org")
    assert item(actions, token, published.json["id"])["spam"]["reasons"] == ["no form token"]
    assert published.json["status"] == "approved"


def test_obvious_spam_is_caught_with_reasons_a_moderator_can_read(actions, runner, tmp_path):
    actions.site("demo", moderation="none")
    token = actions.moderator("mod", "demo")
    train(runner, tmp_path)
    answer = actions.post(body="Subscribe to my channel, free gift cards! http://gifts.example/x")
    assert answer.status_code == 202 and answer.json["status"] == "pending"  # never revealed
    found = item(actions, token, answer.json["id"])
    assert found["status"] == "spam"
    assert "1 link to a new domain (gifts.example)" in found["spam"]["reasons"]
    assert any(r.startswith("words seen in ") and "% spam: " in r
               for r in found["spam"]["reasons"]), found["spam"]["reasons"]


@pytest.fixture
def batch_app(app_factory: t.Any) -> t.Any:
    return app_factory(SPAM_RETRAIN_BATCH=2, SPAM_RETRAIN_SECONDS=3600)


def test_decisions_retrain_in_batches_never_from_the_filters_own_verdicts(batch_app, tmp_path):
    actions = Actions(batch_app, batch_app.test_client())
    runner = batch_app.test_cli_runner()
    actions.site("demo", moderation="none")
    token = actions.moderator("mod", "demo")
    train(runner, tmp_path)
    caught = actions.post(body="Subscribe to my channel, free gift cards http://g.example",
                          email="s@example.org").json["id"]
    first = actions.post(body="I love this song so much 7", email="a@example.org").json["id"]
    second = actions.post(body="This dance is so funny 7", email="b@example.org").json["id"]
    with batch_app.app_context():
        assert item(actions, token, caught)["status"] == "spam"
        assert store.retrain_if_due() is None  # the filter's own verdict is no decision
        # Decide each the other way from what the filter said, so each is a change.
        label = item(actions, token, first)["status"] != "spam"
        assert actions.moderate(token, first, status="spam" if label else "approved"
                                ).status_code == 200
        assert store.retrain_if_due() is None  # one decision waits for the batch of two
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        assert store.retrain_if_due(later) is not None  # ... or for an hour
        other = "approved" if item(actions, token, second)["status"] == "spam" else "spam"
        assert actions.moderate(token, second, status=other).status_code == 200
        assert actions.moderate(token, second, status="pending").status_code == 200
        version = store.retrain_if_due()
        assert version is not None and version.id == 3
        kept = dict(db.session.execute(select(SpamExample.comment_id, SpamExample.spam)
                                       .where(SpamExample.comment_id.is_not(None))).all())
    assert kept == {first: label}  # back to pending takes the label back; `caught` never had one


def test_a_new_key_means_a_retrain_from_the_kept_texts(app_factory, tmp_path):
    old = app_factory()
    train(old.test_cli_runner(), tmp_path)
    new = app_factory(SECRET_KEY="another-secret-key-for-the-filter-test")
    actions = Actions(new, new.test_client())
    actions.site("demo", moderation="none")
    with new.app_context():
        assert store.current() is None  # a model hashed under the old key is not used
    spammy = "Subscribe to my channel, free gift cards http://g.example"
    assert actions.post(body=spammy, email="a@example.org").json["status"] == "approved"
    with new.app_context():
        assert store.retrain_if_due() is not None  # the worker notices the key change
        assert store.current() is not None
    assert actions.post(body=spammy, email="b@example.org").status_code == 202


def test_erasing_a_comment_erases_its_kept_text(app, actions, runner, tmp_path):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    train(runner, tmp_path)
    ident = actions.post(body="Buy followers now", email="x@example.org").json["id"]
    other = actions.post(body="Nice song", email="y@example.org").json["id"]
    for status in ("approved", "spam"):  # whatever the filter said, the moderator decides
        assert actions.moderate(token, ident, status=status).status_code == 200
    assert actions.moderate(token, other, status="approved").status_code == 200
    with app.app_context():
        store.retrain()
    kept = select(func.count()).select_from(SpamExample).where(
        SpamExample.comment_id.is_not(None))
    assert scalar(app, kept) == 2
    assert runner.invoke(args=["erase", "--email", "x@example.org"]).exit_code == 0
    assert scalar(app, kept) == 1
    answer = actions.client.delete(f"/api/v1/moderation/comments/{other}",
                                   headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 204
    assert scalar(app, kept) == 0


@pytest.mark.parametrize("value", ["1.5", "-0.1", "lots"])
def test_site_set_refuses_a_hold_budget_outside_zero_to_one(actions, runner, value):
    actions.site("demo")
    result = runner.invoke(args=["site", "set", "demo", "--spam-hold-budget", value])
    assert result.exit_code == 2 and "spam-hold-budget" in result.output


def test_site_set_stores_the_hold_budget(actions, runner):
    actions.site("demo")
    result = runner.invoke(args=["site", "set", "demo", "--spam-hold-budget", "0.25"])
    assert result.exit_code == 0 and "spam_hold_budget=0.25" in result.output


def test_the_worker_loop_retrains_from_waiting_decisions(app_factory, tmp_path):
    app = app_factory(SPAM_RETRAIN_BATCH=1, NOTIFY_POLL_SECONDS=0.01)
    actions = Actions(app, app.test_client())
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    train(app.test_cli_runner(), tmp_path)
    ident = actions.post(body="Buy followers now").json["id"]
    assert actions.moderate(token, ident, status="approved").status_code == 200
    with app.app_context():
        assert run_worker_once() == ["1 spam filter retrained"]
        assert db.session.scalar(select(func.max(SpamModel.id))) == 2
        assert db.session.scalar(select(SpamExample.spam).where(
            SpamExample.comment_id == ident)) is False


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_the_site_setter_refuses_a_hold_budget_outside_zero_to_one(app, actions, value):
    actions.site("demo")
    with app.app_context(), pytest.raises(sites.InvalidSetting, match="between 0 and 1") as e:
        sites.configure("demo", spam_hold_budget=value)
    assert list(e.value.fields) == ["spam_hold_budget"]


def test_a_moderators_decision_ends_up_in_the_next_model(app_factory, tmp_path):
    """The contract's "marking spam or approving teaches the spam filter", through the worker."""
    app = app_factory(SPAM_RETRAIN_BATCH=1, NOTIFY_POLL_SECONDS=0.01)
    actions = Actions(app, app.test_client())
    actions.site("demo", moderation="none")
    token = actions.moderator("mod", "demo")
    train(app.test_cli_runner(), tmp_path)
    body = "Zorblax quibbit marmalade"  # words no training row has
    ident = actions.post(body=body, email="z@example.org").json["id"]
    # Decide against the filter's verdict, so the decision is news to it.
    decided = "approved" if item(actions, token, ident)["status"] == "spam" else "spam"
    with app.app_context():
        model = store.current()
        assert model is not None
        before = judge(model, store.hasher(), body).log_odds
    assert actions.moderate(token, ident, status=decided).status_code == 200
    with app.app_context():
        assert run_worker_once() == ["1 spam filter retrained"]
        model = store.current()
        assert model is not None and db.session.scalar(select(func.max(SpamModel.id))) == 2
        after = judge(model, store.hasher(), body).log_odds
    assert (after - before) * (1 if decided == "spam" else -1) > 0.1, (decided, before, after)


def test_a_version_trained_through_another_worker_judges_the_next_comment(
        actions, app_factory, tmp_path):
    actions.site("demo", moderation="none")
    text = "Subscribe to my channel, free gift cards! http://gifts.example/x"
    assert actions.post(body=text, email="a@example.org").json["status"] == "approved"
    train(app_factory().test_cli_runner(), tmp_path)  # another process stores a version
    answer = actions.post(article="another", body=text, email="b@example.org")
    assert answer.status_code == 202 and answer.json["status"] == "pending"
