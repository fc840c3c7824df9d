"""A local stand-in for the Hugging Face Hub HTTP API, for tests only.

It answers the calls `huggingface_hub` makes for what leropilot-gl does: who am I, repo info and
file listing, file resolve (HEAD, GET with Range), refs and tags, repo creation, and uploads
(preupload, LFS batch + PUT, ndjson commit). Listens on 127.0.0.1 only, keeps a bounded request log
(never the token itself), refuses bodies over a size limit, and shuts itself down after
`lifetime_s` even if a test forgets to stop it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

MAX_BODY_BYTES = 64 * 1024 * 1024
LFS_SUFFIXES = (".parquet", ".mp4", ".png", ".jpg", ".bin", ".safetensors")


@dataclass
class StoredRepo:
    repo_id: str
    files: dict[str, bytes] = field(default_factory=dict)
    private: bool = False
    gated: bool = False
    sha: str = "0" * 40
    tags: dict[str, str] = field(default_factory=dict)  # tag -> commit sha
    commits: list[dict] = field(default_factory=list)  # {"summary", "description", "added", "deleted", "oid"}

    def new_commit(self, summary: str) -> str:
        digest = hashlib.sha1(f"{self.sha}{summary}{time.time_ns()}".encode())
        for path in sorted(self.files):
            digest.update(path.encode())
            digest.update(hashlib.sha256(self.files[path]).digest())
        self.sha = digest.hexdigest()
        return self.sha


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # URL path without query
    query: str
    range: str | None
    authorized: bool  # a known token came with it (the token itself is never kept)
    status: int


@dataclass
class GetFault:
    """Misbehave on GET of one file: "error" answers 500, "cut" sends part of the body then drops the
    connection. `times` faults, then normal service (None: always)."""

    mode: str
    times: int | None = 1
    after_bytes: int = 0


class HubStandIn:
    def __init__(self, *, tokens: dict[str, str] | None = None, lifetime_s: float = 600.0) -> None:
        self.tokens = dict(tokens or {})  # token -> user name
        self.repos: dict[str, StoredRepo] = {}
        self.gated_access: set[tuple[str, str]] = set()  # (user, repo_id) allowed through the gate
        self.lfs_blobs: dict[str, bytes] = {}
        self.faults: dict[str, GetFault] = {}  # path in repo -> fault
        self.requests: deque[RequestRecord] = deque(maxlen=5000)
        self.lifetime_s = lifetime_s
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # ------------------------------------------------------------------ setup
    def add_dataset(
        self, repo_id: str, folder: Path | None = None, *, private: bool = False, gated: bool = False
    ) -> StoredRepo:
        files: dict[str, bytes] = {}
        if folder is not None:
            for path in sorted(Path(folder).rglob("*")):
                rel = path.relative_to(folder).as_posix()
                if path.is_file() and not rel.startswith(".cache/"):
                    files[rel] = path.read_bytes()
        files.setdefault(".gitattributes", b"*.parquet filter=lfs diff=lfs merge=lfs -text\n")
        repo = StoredRepo(repo_id, files, private=private, gated=gated)
        repo.new_commit("initial commit")
        with self.lock:
            self.repos[repo_id] = repo
        return repo

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        stand_in = self

        class Handler(_Handler):
            hub = stand_in

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hub-stand-in", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> HubStandIn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ queries for tests
    def resolved_paths(self, repo_id: str, method: str = "GET") -> list[str]:
        """Files of a repo fetched with `method` on the resolve route, in request order."""
        prefix = f"/datasets/{repo_id}/resolve/"
        out = []
        for record in list(self.requests):
            if record.method == method and record.path.startswith(prefix) and record.status < 300:
                out.append(unquote(record.path[len(prefix) :].split("/", 1)[1]))
        return out

    def clear_log(self) -> None:
        self.requests.clear()


_REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"
ROUTES = [
    ("GET", re.compile(r"^/api/whoami-v2$"), "whoami"),
    ("GET", re.compile(rf"^/api/datasets/{_REPO}(?:/revision/(?P<rev>[^/]+))?$"), "repo_info"),
    ("GET", re.compile(rf"^/api/datasets/{_REPO}/tree/(?P<rev>[^/]+)(?:/(?P<sub>.*))?$"), "tree"),
    ("GET", re.compile(rf"^/api/datasets/{_REPO}/refs$"), "refs"),
    ("HEAD", re.compile(rf"^/datasets/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<file>.+)$"), "resolve"),
    ("GET", re.compile(rf"^/datasets/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<file>.+)$"), "resolve"),
    ("POST", re.compile(r"^/api/repos/create$"), "create_repo"),
    ("POST", re.compile(rf"^/api/datasets/{_REPO}/preupload/(?P<rev>[^/]+)$"), "preupload"),
    ("POST", re.compile(rf"^/datasets/{_REPO}\.git/info/lfs/objects/batch$"), "lfs_batch"),
    ("PUT", re.compile(r"^/lfs-upload/(?P<oid>[0-9a-f]{64})$"), "lfs_put"),
    ("POST", re.compile(rf"^/api/datasets/{_REPO}/commit/(?P<rev>[^/]+)$"), "commit"),
    ("POST", re.compile(rf"^/api/datasets/{_REPO}/tag/(?P<rev>[^/]+)$"), "create_tag"),
    ("DELETE", re.compile(rf"^/api/datasets/{_REPO}/tag/(?P<tag>[^/]+)$"), "delete_tag"),
]


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # quiet: tests read self.hub.requests
        pass

    # ------------------------------------------------------------------ plumbing
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self._query = parse_qs(parts.query)
        self._status = 0
        self._user = self._auth_user()
        path = unquote(parts.path)
        try:
            self._body = self._read_body()
            for route_method, pattern, name in ROUTES:
                match = pattern.match(path)
                if route_method == method and match:
                    getattr(self, f"_h_{name}")(**match.groupdict())
                    break
            else:
                self._json(404, {"error": f"no route {method} {path}"})
        except _Refused:
            pass
        finally:
            self.hub.requests.append(
                RequestRecord(
                    method,
                    parts.path,
                    parts.query,
                    self.headers.get("Range"),
                    self._user is not None,
                    self._status,
                )
            )

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._json(413, {"error": "body too large for the stand-in"})
            raise _Refused()
        return self.rfile.read(length) if length else b""

    def _auth_user(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        token = header[7:] if header.startswith("Bearer ") else ""
        return self.hub.tokens.get(token)

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, *, head: bool = False
    ) -> None:
        self._status = status
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(
        self, status: int, payload: object, headers: dict[str, str] | None = None, *, head: bool = False
    ) -> None:
        self._send(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
            head=head,
        )

    def _error(self, status: int, code: str, message: str, *, head: bool = False) -> None:
        self._json(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message}, head=head)
        raise _Refused()

    def _repo(
        self, repo_id: str, *, head: bool = False, write: bool = False, content: bool = False
    ) -> StoredRepo:
        """The repo if this request may see it: private repos answer as missing to strangers (like the Hub)."""
        with self.hub.lock:
            repo = self.hub.repos.get(repo_id)
        owner = repo_id.split("/")[0]
        if repo is None or (repo.private and self._user != owner):
            self._error(401 if self._user is None else 404, "RepoNotFound", "Repository not found", head=head)
        if write and self._user != owner:
            self._error(403, "Forbidden", "You don't have the rights to write to this repository", head=head)
        if (
            content
            and repo.gated
            and self._user != owner
            and (self._user, repo_id) not in self.hub.gated_access
        ):
            self._error(
                403 if self._user else 401,
                "GatedRepo",
                f"Access to dataset {repo_id} is restricted. You must have access to it and be authenticated.",
                head=head,
            )
        return repo

    # ------------------------------------------------------------------ read routes
    def _h_whoami(self) -> None:
        if self._user is None:
            self._json(401, {"error": "Invalid credentials in Authorization header"})
            return
        self._json(
            200,
            {
                "type": "user",
                "name": self._user,
                "fullname": self._user.title(),
                "auth": {"type": "access_token", "accessToken": {"displayName": "test", "role": "write"}},
            },
        )

    def _h_repo_info(self, repo: str, rev: str | None = None) -> None:
        stored = self._repo(repo)
        self._json(
            200,
            {
                "id": repo,
                "author": repo.split("/")[0],
                "sha": stored.sha,
                "private": stored.private,
                "gated": "manual" if stored.gated else False,
                "disabled": False,
                "xetEnabled": False,
                "lastModified": "2026-01-01T00:00:00.000Z",
                "tags": [],
                "cardData": {},
                "siblings": [{"rfilename": p, "size": len(b)} for p, b in sorted(stored.files.items())],
            },
        )

    def _h_tree(self, repo: str, rev: str, sub: str | None = None) -> None:
        stored = self._repo(repo)
        prefix = (sub.strip("/") + "/") if sub else ""
        recursive = self._query.get("recursive", ["false"])[0].lower() in ("1", "true")
        entries, folders = [], set()
        for path, data in sorted(stored.files.items()):
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            if "/" in rest and not recursive:
                folders.add(prefix + rest.split("/")[0])
                continue
            if recursive:
                parts = rest.split("/")[:-1]
                for depth in range(1, len(parts) + 1):
                    folders.add(prefix + "/".join(parts[:depth]))
            entries.append(self._file_entry(path, data))
        entries += [{"type": "directory", "path": f, "oid": "0" * 40, "size": 0} for f in sorted(folders)]
        self._json(200, entries)

    @staticmethod
    def _file_entry(path: str, data: bytes) -> dict:
        entry = {"type": "file", "path": path, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
        if path.endswith(LFS_SUFFIXES):
            entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 130}
        return entry

    def _h_refs(self, repo: str) -> None:
        stored = self._repo(repo)
        self._json(
            200,
            {
                "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": stored.sha}],
                "converts": [],
                "tags": [
                    {"name": t, "ref": f"refs/tags/{t}", "targetCommit": s}
                    for t, s in sorted(stored.tags.items())
                ],
            },
        )

    def _h_resolve(self, repo: str, rev: str, file: str) -> None:
        head = self.command == "HEAD"
        stored = self._repo(repo, head=head, content=True)
        data = stored.files.get(file)
        if data is None:
            self._error(404, "EntryNotFound", f"{file} does not exist in {repo}", head=head)
        etag = (
            hashlib.sha256(data).hexdigest()
            if file.endswith(LFS_SUFFIXES)
            else hashlib.sha1(data).hexdigest()
        )
        headers = {
            "X-Repo-Commit": stored.sha,
            "ETag": f'"{etag}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if head:
            self._send(200, data, headers, head=True)
            return
        start = 0
        range_header = self.headers.get("Range")
        if range_header:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header.strip())
            if not match or int(match.group(1)) >= len(data) > 0:
                self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                return
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else len(data) - 1
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            body, status = data[start : end + 1], 206
        else:
            body, status = data, 200
        fault = self._take_fault(file)
        if fault is not None and fault.mode == "error":
            self._error(500, "InternalError", "the stand-in was told to fail this file")
        if fault is not None and fault.mode == "cut":
            self._status = status
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: fault.after_bytes])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(status, body, headers)

    def _take_fault(self, file: str) -> GetFault | None:
        with self.hub.lock:
            fault = self.hub.faults.get(file)
            if fault is None:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.hub.faults[file]
            return fault

    # ------------------------------------------------------------------ write routes
    def _need_login(self) -> None:
        if self._user is None:
            self._error(401, "Unauthorized", "Invalid credentials in Authorization header")

    def _h_create_repo(self) -> None:
        self._need_login()
        payload = json.loads(self._body or b"{}")
        repo_id = f"{payload.get('organization') or self._user}/{payload['name']}"
        if repo_id.split("/")[0] != self._user:
            self._error(403, "Forbidden", "You don't have the rights to create a repository there")
        with self.hub.lock:
            exists = repo_id in self.hub.repos
        if exists:
            self._json(
                409,
                {
                    "error": "You already created this dataset repo",
                    "url": f"{self.hub.url}/datasets/{repo_id}",
                },
            )
            return
        self.hub.add_dataset(repo_id, private=bool(payload.get("private")))
        self._json(200, {"url": f"{self.hub.url}/datasets/{repo_id}", "name": repo_id})

    def _h_preupload(self, repo: str, rev: str) -> None:
        self._need_login()
        stored = self._repo(repo, write=True)
        files = json.loads(self._body)["files"]
        out = []
        for item in files:
            lfs = item["path"].endswith(LFS_SUFFIXES) or item["size"] > 10 * 1024 * 1024
            data = stored.files.get(item["path"])
            out.append(
                {
                    "path": item["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": hashlib.sha1(data).hexdigest() if data is not None else None,
                }
            )
        self._json(200, {"files": out, "commitOid": stored.sha})

    def _h_lfs_batch(self, repo: str) -> None:
        self._need_login()
        self._repo(repo, write=True)
        payload = json.loads(self._body)
        objects = []
        for obj in payload["objects"]:
            entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            with self.hub.lock:
                known = obj["oid"] in self.hub.lfs_blobs
            if not known:
                entry["actions"] = {
                    "upload": {"href": f"{self.hub.url}/lfs-upload/{obj['oid']}", "header": {}}
                }
            objects.append(entry)
        self._json(
            200, {"transfer": "basic", "objects": objects}, {"Content-Type": "application/vnd.git-lfs+json"}
        )

    def _h_lfs_put(self, oid: str) -> None:
        if hashlib.sha256(self._body).hexdigest() != oid:
            self._error(400, "BadRequest", "uploaded bytes do not match their sha256")
        with self.hub.lock:
            self.hub.lfs_blobs[oid] = self._body
        self._send(200, b"")

    def _h_commit(self, repo: str, rev: str) -> None:
        self._need_login()
        stored = self._repo(repo, write=True)
        header: dict = {}
        added: dict[str, bytes] = {}
        deleted: list[tuple[str, bool]] = []  # (path, is_folder)
        for line in self._body.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                header = value
            elif key == "file":
                added[value["path"]] = base64.b64decode(value["content"])
            elif key == "lfsFile":
                with self.hub.lock:
                    blob = self.hub.lfs_blobs.get(value["oid"])
                if blob is None or len(blob) != value["size"]:
                    self._error(400, "BadRequest", f"LFS object for {value['path']} was never uploaded")
                added[value["path"]] = blob
            elif key in ("deletedFile", "deletedFolder"):
                deleted.append((value["path"], key == "deletedFolder" or value["path"].endswith("/")))
        with self.hub.lock:
            for path, is_folder in deleted:
                if is_folder:
                    for existing in [p for p in stored.files if p.startswith(path.rstrip("/") + "/")]:
                        del stored.files[existing]
                stored.files.pop(path, None)
            stored.files.update(added)
            oid = stored.new_commit(header.get("summary", ""))
            stored.commits.append(
                {
                    "summary": header.get("summary"),
                    "description": header.get("description"),
                    "added": sorted(added),
                    "deleted": sorted(p for p, _ in deleted),
                    "oid": oid,
                }
            )
        self._json(
            200,
            {"success": True, "commitOid": oid, "commitUrl": f"{self.hub.url}/datasets/{repo}/commit/{oid}"},
        )

    def _h_create_tag(self, repo: str, rev: str) -> None:
        self._need_login()
        stored = self._repo(repo, write=True)
        tag = json.loads(self._body)["tag"]
        with self.hub.lock:
            if tag in stored.tags:
                self._error(409, "Conflict", f"tag {tag} already exists")
            stored.tags[tag] = stored.sha
        self._json(200, {"tag": tag})

    def _h_delete_tag(self, repo: str, tag: str) -> None:
        self._need_login()
        stored = self._repo(repo, write=True)
        with self.hub.lock:
            if stored.tags.pop(tag, None) is None:
                self._error(404, "RevisionNotFound", f"tag {tag} not found")
        self._send(200, b"")


class _Refused(Exception):
    """An error answer has been sent; stop handling the request."""


# ---------------------------------------------------------------------- pytest fixtures
# Made-up credentials the stand-in accepts; never real ones.
TEST_TOKEN = "hf_standin_7Qe2xWk9LmZp4Rt8Vb3Nc6"
TEST_USER = "alice"
OTHER_TOKEN = "hf_standin_otherUser_5Jd8Hs2Kq"
OTHER_USER = "bob"


def isolate_hf(tmp_path: Path, monkeypatch) -> Path:
    """Point huggingface_hub, LeRobot's home and our journals at tmp_path; no token anywhere.

    huggingface_hub reads its paths once at import, so its constants are patched as well as the env.
    """
    from huggingface_hub import constants

    home = tmp_path / "hf-home"
    home.mkdir()
    token_path = home / "token"
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_LEROBOT_HOME", str(home / "lerobot"))
    monkeypatch.setenv("HF_TOKEN_PATH", str(token_path))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("LEROPILOT_GL_JOURNAL_DIR", str(tmp_path / "journals"))
    monkeypatch.setattr(constants, "ENDPOINT", constants.ENDPOINT)  # restored after the test
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", constants.HUGGINGFACE_CO_URL_TEMPLATE)
    monkeypatch.setattr(constants, "HF_HOME", str(home))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(token_path))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_ENABLE_HF_TRANSFER", False, raising=False)  # 0.3x only
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return home


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under root but huggingface_hub's .cache/ bookkeeping."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".cache/")
    }
