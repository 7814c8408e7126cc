"""The admin's retrain button starts the training off the request path (minutes on a large
history: gunicorn would kill the request), on the RQ worker or in a thread."""

from __future__ import annotations

import threading

from relq.learning import LearnedModel


def test_retraining_runs_after_the_request_has_answered(org, login_as, app, monkeypatch):
    from relq.tags import views

    started, release, done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def slow_training() -> None:
        from flask import current_app

        started.set()
        seen["app"] = current_app._get_current_object()
        release.wait(10)
        done.set()

    monkeypatch.setattr(views, "retrain_tag_model", slow_training)
    app.config["ANALYSIS_QUEUE"] = "thread"
    admin = login_as(org.admin)
    response = admin.post("/admin/tags/train", {}, token_from="/admin/tags")
    assert response.status_code == 302  # answered while the training still runs
    assert started.wait(10) and not done.is_set()
    release.set()
    assert done.wait(10) and seen["app"] is app
    assert "再学習を開始しました" in admin.get("/admin/tags").get_data(as_text=True)


def test_the_real_retraining_job_runs_and_stores_nothing_without_history(org, login_as, app):
    app.config["ANALYSIS_QUEUE"] = "inline"
    admin = login_as(org.admin)
    assert admin.post("/admin/tags/train", {}, token_from="/admin/tags").status_code == 302
    from relq.db import db

    assert db.session.query(LearnedModel).count() == 0


def test_without_background_work_the_tick_retrains(org, login_as, app):
    app.config["ANALYSIS_QUEUE"] = "off"
    admin = login_as(org.admin)
    admin.post("/admin/tags/train", {}, token_from="/admin/tags")
    assert "次の日次処理" in admin.get("/admin/tags").get_data(as_text=True)
