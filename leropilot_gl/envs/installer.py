"""Run an install script: a subprocess streamed line by line to the job and to install.log.

The environment folder keeps config.json, the script, install.log and status.json, so a failed or
cancelled install can be read, retried (the script is idempotent: it reuses the clone and
recreates the venv) or removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from leropilot_gl.envs.plan import DONE_MARK
from leropilot_gl.jobs import JobCancelled, JobContext

try:
    import fcntl
except ImportError:  # Windows: the status file's pid is the only guard
    fcntl = None  # type: ignore[assignment]

STATUS_FILE = "status.json"
LOCK_FILE = "install.lock"
LOG_FILE = "install.log"
CONFIG_FILE = "config.json"
_STEP_RE = re.compile(r"^##\[step (\d+)/(\d+)\] ?(.*)$")


class InstallError(RuntimeError):
    pass


@dataclass(frozen=True)
class InstallStatus:
    status: str  # "planned", "installing", "ready", "failed", "cancelled", "interrupted"
    message: str = ""
    step: int = 0
    steps: int = 0
    updated_at: float = 0.0
    pid: int | None = None
    pgid: int | None = None  # the install script's process group (POSIX)


def script_name(shell: str) -> str:
    return "install.ps1" if shell == "powershell" else "install.sh"


def default_shell() -> str:
    return "powershell" if platform.system() == "Windows" else "bash"


def write_status(env_dir: Path, status: InstallStatus) -> None:
    tmp = env_dir / (STATUS_FILE + ".tmp")
    tmp.write_text(json.dumps(status.__dict__, indent=2), encoding="utf-8")
    os.replace(tmp, env_dir / STATUS_FILE)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group_alive(pgid: int) -> bool:
    if os.name != "posix":
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_status(env_dir: Path) -> InstallStatus:
    path = env_dir / STATUS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        status = InstallStatus(**{k: data[k] for k in InstallStatus.__dataclass_fields__ if k in data})
    except (OSError, ValueError, TypeError):
        return InstallStatus("failed", f"{STATUS_FILE} is missing or unreadable")
    # "installing" from a program that is gone (crash, kill): say so instead of spinning forever
    if (
        status.status == "installing"
        and (status.pid is None or not _pid_alive(status.pid))
        and not (status.pgid is not None and _group_alive(status.pgid))
    ):
        return InstallStatus(
            "interrupted",
            "the install stopped without finishing; retry or remove",
            status.step,
            status.steps,
            status.updated_at,
        )
    return status


class _InstallLock:
    """An exclusive lock on <env>/install.lock, held by the installer and inherited by the install
    script: while any process of an install lives (even one orphaned by a crash), a second
    install of the same environment is refused."""

    def __init__(self, env_dir: Path) -> None:
        self.path = env_dir / LOCK_FILE
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:
            return True
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def install_running(env_dir: Path) -> bool:
    """Whether a process of an install of this environment still runs."""
    if fcntl is not None and (env_dir / LOCK_FILE).is_file():
        lock = _InstallLock(env_dir)
        if not lock.acquire():
            return True
        lock.release()
        return False
    status = read_status(env_dir)
    return status.status == "installing"


def _shell_command(script: Path, shell: str) -> list[str]:
    if shell == "powershell":
        exe = shutil.which("pwsh") or shutil.which("powershell")
        if not exe:
            raise InstallError("PowerShell was not found (pwsh or powershell)")
        return [exe, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", str(script)]
    exe = shutil.which("bash")
    if not exe:
        raise InstallError("bash was not found")
    return [exe, str(script)]


def _pump(stream, lines: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
    lines.put(None)


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the script and everything it started (its own process group), then kill."""
    if proc.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        if os.name == "posix":
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    """Whatever of the script's group outlived the script (a uv it started) is killed too."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def run_install(env_dir: Path, ctx: JobContext | None = None, *, shell: str | None = None) -> InstallStatus:
    """Run <env_dir>/install.sh (or .ps1); returns the final status, raises on failure.

    With a JobContext: log lines and step progress go to the job, and cancellation stops the
    script's whole process group, marking the environment "cancelled".
    """
    shell = shell or default_shell()
    env_dir = Path(os.path.abspath(env_dir))  # the script runs with env_dir as its cwd
    script = env_dir / script_name(shell)
    if not script.is_file():
        raise InstallError(f"{script} does not exist: generate the plan first")
    cmd = _shell_command(script, shell)
    lock = _InstallLock(env_dir)
    if not lock.acquire():
        raise InstallError(
            f"{env_dir.name} is already being installed by another process; wait for it to "
            "finish or cancel it, then install again"
        )
    try:
        return _run_locked(env_dir, cmd, ctx, lock)
    finally:
        lock.release()


def _run_locked(env_dir: Path, cmd: list[str], ctx: JobContext | None, lock: _InstallLock) -> InstallStatus:
    step, steps, last_text = 0, 0, "starting"
    write_status(env_dir, InstallStatus("installing", last_text, 0, 0, time.time(), os.getpid()))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)  # never install into the venv this program runs from
    with open(env_dir / LOG_FILE, "a", encoding="utf-8") as log:
        log.write(f"\n=== install started {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(cmd)}\n")
        log.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=env_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=os.name == "posix",
            pass_fds=(lock.fd,) if os.name == "posix" and lock.fd is not None else (),
        )
        pgid = proc.pid if os.name == "posix" else None
        write_status(env_dir, InstallStatus("installing", last_text, 0, 0, time.time(), os.getpid(), pgid))
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True, name="install-log").start()
        cancelled, saw_done = False, False
        while True:
            if ctx is not None and ctx.cancelled and not cancelled:
                cancelled = True
                log.write("=== cancel requested: stopping the install\n")
                _stop(proc)
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            log.write(line + "\n")
            log.flush()
            match = _STEP_RE.match(line)
            if match:
                step, steps, last_text = int(match.group(1)), int(match.group(2)), match.group(3)
                write_status(
                    env_dir,
                    InstallStatus("installing", last_text, step, steps, time.time(), os.getpid(), pgid),
                )
                if ctx is not None:
                    ctx.progress((step - 1) / max(steps, 1), f"{step}/{steps} {last_text}")
            saw_done = saw_done or line.strip() == DONE_MARK
            if ctx is not None:
                ctx.log(line)
        code = proc.wait()
        _kill_group(proc)
        if cancelled:
            final = InstallStatus(
                "cancelled", f"cancelled during step {step}/{steps}: {last_text}", step, steps, time.time()
            )
        elif code == 0 and saw_done:
            final = InstallStatus("ready", "installed", steps, steps, time.time())
        else:
            final = InstallStatus(
                "failed",
                f"step {step}/{steps} ({last_text}) failed with exit code {code}",
                step,
                steps,
                time.time(),
            )
        log.write(f"=== install {final.status}: {final.message}\n")
    write_status(env_dir, final)
    if final.status == "cancelled":
        raise JobCancelled()
    if final.status == "failed":
        raise InstallError(f"{final.message}; see {env_dir / LOG_FILE}")
    return final
