from __future__ import annotations

import threading

from leropilot_gl.jobs import JobRunner


def test_job_reports_progress_log_and_result():
    runner = JobRunner()
    release = threading.Event()

    def work(ctx):
        ctx.progress(0.5, "half way")
        ctx.log("line one\n")
        release.wait(5)
        return 42

    job = runner.start("save", "Saving", work)
    assert job is not None
    assert runner.start("save", "Saving again", work) is None  # one job per name
    release.set()
    assert job.wait(5)
    assert job.result == 42
    assert job.log_lines() == ["line one"]
    snap = job.snapshot()
    assert (snap.status, snap.progress, snap.status_text) == ("done", 1.0, "half way")
    assert [j.name for j in runner.poll_finished()] == ["save"]
    assert runner.poll_finished() == []
    assert runner.start("save", "Saving again", lambda ctx: 1) is not None  # allowed once done


def test_failure_and_cancel_are_reported():
    runner = JobRunner(max_log_lines=3)
    failing = runner.start("a", "A", lambda ctx: 1 / 0)
    assert failing.wait(5)
    assert failing.status == "failed" and "ZeroDivisionError" in failing.error

    started = threading.Event()

    def loop(ctx):
        started.set()
        for i in range(1000):
            ctx.log(f"line {i}")
            ctx.check_cancelled()
            threading.Event().wait(0.001)

    job = runner.start("b", "B", loop)
    started.wait(5)
    job.cancel()
    assert job.wait(5)
    assert job.status == "cancelled"
    assert len(job.log_lines()) <= 3  # bounded
    assert job.log_total >= len(job.log_lines())


def test_job_errors_read_as_their_message():
    from leropilot_gl.dataset import DatasetOpenError

    runner = JobRunner()

    def fail(ctx):
        raise DatasetOpenError("/data/x: no meta/info.json")

    job = runner.start("open", "Open", fail)
    assert job.wait(5)
    assert job.error == "/data/x: no meta/info.json"
    keyed = runner.start("key", "Key", lambda ctx: {}["episode"])
    assert keyed.wait(5)
    assert keyed.error == "KeyError: 'episode'"


def test_pop_finished_takes_only_done_futures():
    from concurrent.futures import Future

    from leropilot_gl.jobs import pop_finished

    ok, failed, waiting = Future(), Future(), Future()
    ok.set_result(7)
    failed.set_exception(ValueError("bad"))
    futures = {"ok": ok, "failed": failed, "waiting": waiting}
    finished = pop_finished(futures)
    assert [(k, type(e).__name__ if e else None, r) for k, e, r in finished] == [
        ("ok", None, 7),
        ("failed", "ValueError", None),
    ]
    assert list(futures) == ["waiting"]
