"""Training from CSV (`commentsvc spam train`), and the trained filter on real comments."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from bench import naive_bayes
from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import SpamExample

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """../shared/data beside the repository (CI), or beside the worktree folder."""
    candidates = [Path(os.environ["COMMENTSVC_SHARED_DATA"])] if os.environ.get(
        "COMMENTSVC_SHARED_DATA") else []
    candidates += [ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data"]
    for path in candidates:
        if (path / "Youtube03-LMFAO.csv").is_file():
            return path
    pytest.skip("the shared YouTube data is not beside the repository (../shared/data)")


@pytest.mark.parametrize(
    ("header", "rows"),
    [
        ("COMMENT_ID,AUTHOR,CONTENT,CLASS", [("1,a,Subscribe to my channel,1"),
                                             ("2,b,Lovely song,0")]),
        ("text,label", ["Subscribe to my channel,spam", "Lovely song,ham"]),
        ("\ufeffbody,spam", ["Subscribe to my channel,1", "Lovely song,0"]),
        ("Body,Spam", ["Subscribe to my channel,SPAM", "Lovely song, Ham "]),
    ],
)
def test_spam_train_reads_the_documented_columns(app, runner, tmp_path, header, rows):
    path = tmp_path / "train.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["spam", "train", str(path)])
    assert result.exit_code == 0, result.output
    assert "learned 1 spam and 1 ham" in result.output
    with app.app_context():  # the rows are kept for retraining, labelled
        kept = db.session.execute(select(SpamExample.body, SpamExample.spam)).all()
    assert sorted(kept) == [("Lovely song", False), ("Subscribe to my channel", True)]


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("CONTENT,AUTHOR\nhello,ana\n", "label column"),
        ("words,CLASS\nhello,1\n", "text column"),
        ("CONTENT,CLASS\nhello,1\nbye,maybe\n", "line 3: label 'maybe'"),
        ("CONTENT,CLASS\n", "no rows"),
        ("", "found: nothing"),
    ],
)
def test_spam_train_explains_a_bad_file_and_learns_nothing(app, runner, tmp_path, content,
                                                           complaint):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["spam", "train", str(path)])
    assert result.exit_code == 1
    assert complaint in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SpamExample)) == 0


def test_spam_train_refuses_a_missing_or_binary_file(runner, tmp_path):
    assert runner.invoke(args=["spam", "train", str(tmp_path / "none.csv")]).exit_code == 2
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"CONTENT,CLASS\n\xff\xfe\x00,1\n")
    result = runner.invoke(args=["spam", "train", str(binary)])
    assert result.exit_code == 1 and "bin.csv" in result.output


def test_the_trained_filter_judges_real_comments_through_the_endpoint(app, actions, runner,
                                                                      tmp_path):
    data = shared_data()
    for video in ("Youtube01-Psy.csv", "Youtube02-KatyPerry.csv"):
        result = runner.invoke(args=["spam", "train", str(data / video)])
        assert result.exit_code == 0, result.output
    with open(data / "Youtube03-LMFAO.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    spam = next(r for r in rows if r["CONTENT"].startswith("Hey guys, I&#39;m a human."))
    ham = next(r for r in rows if r["CONTENT"].startswith("I love this song so much"))
    assert (spam["CLASS"], ham["CLASS"]) == ("1", "0")
    actions.site("demo", moderation="none")
    token = actions.moderator("mod", "demo")
    posted_spam = actions.post(name=spam["AUTHOR"], body=spam["CONTENT"])
    posted_ham = actions.post(name=ham["AUTHOR"], email="bo@example.org", body=ham["CONTENT"])
    assert posted_spam.json["status"] == "pending"  # answered like any held comment
    items = {i["id"]: i for i in actions.queue(token, status="").json["items"]}
    caught = items[posted_spam.json["id"]]
    assert caught["status"] == "spam"
    assert any(r.startswith("learned filter: spam probability") for r in caught["spam"]["reasons"])
    assert items[posted_ham.json["id"]]["status"] == "approved"


@pytest.mark.parametrize(("light", "heavy"), [(0.3, 1.0), (0.1, 0.3), (1.0, 3.0)])
def test_evaluations_naive_bayes_lets_a_rare_spam_token_speak_louder_when_lighter(light, heavy):
    model = naive_bayes.train([({"dom:spam.example"}, True)] * 2 + [({"w:x"}, True)] * 18
                              + [({"w:song"}, False)] * 20)
    rare = {"dom:spam.example"}
    assert 0 < naive_bayes.log_odds(model, rare, heavy) < naive_bayes.log_odds(model, rare, light)
    assert naive_bayes.log_odds(model, {"w:never-seen"}, light) == 0.0  # unseen tokens say nothing
    assert naive_bayes.log_odds(model, rare) == naive_bayes.log_odds(model, rare, naive_bayes.ALPHA)
