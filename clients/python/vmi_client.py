"""A small Python client for the vmi REST API (docs/api.md).

Standard library only. Every call goes through one table, OPERATIONS, of
(method, path) pairs taken from docs/api/openapi.json; the client's tests
check that table against the document, and validate every JSON body the
client sends against the document's request schemas, so the client and the
API cannot drift apart unnoticed.

    from vmi_client import Client
    c = Client.unix("/run/vmi/api.sock")               # root on the node
    c = Client("http://127.0.0.1:8080", token="vmi_...")  # anywhere else
    c.create("qa-1", labels={"team": "qa"}, start=True)
    c.wait_running("qa-1")
    print(c.exec("qa-1", ["uname", "-m"]).stdout)
    for r in c.batch("team=qa", "exec", exec={"argv": ["true"]})["results"]:
        print(r["name"], r["ok"])

Errors come back as VmiError with the HTTP status and the API's error code
and message (`{"error": {"code", "message"}}`).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, Tuple, Union

# name -> (method, path). Paths are the OpenAPI document's templates; the
# {placeholders} are filled from the call's keyword arguments.
OPERATIONS: Dict[str, Tuple[str, str]] = {
    "health": ("GET", "/api/v1/health"),
    "node": ("GET", "/api/v1/node"),
    "login": ("POST", "/api/v1/auth/login"),
    "logout": ("POST", "/api/v1/auth/logout"),
    "me": ("GET", "/api/v1/auth/me"),
    "tokens": ("GET", "/api/v1/tokens"),
    "create_token": ("POST", "/api/v1/tokens"),
    "revoke_token": ("DELETE", "/api/v1/tokens/{id}"),
    "images": ("GET", "/api/v1/images"),
    "instances": ("GET", "/api/v1/instances"),
    "create": ("POST", "/api/v1/instances"),
    "instance": ("GET", "/api/v1/instances/{id}"),
    "delete": ("DELETE", "/api/v1/instances/{id}"),
    "start": ("POST", "/api/v1/instances/{id}/start"),
    "stop": ("POST", "/api/v1/instances/{id}/stop"),
    "restart": ("POST", "/api/v1/instances/{id}/restart"),
    "exec": ("POST", "/api/v1/instances/{id}/exec"),
    "logs": ("GET", "/api/v1/instances/{id}/logs"),
    "screenshot": ("GET", "/api/v1/instances/{id}/screenshot"),
    "rotate": ("POST", "/api/v1/instances/{id}/rotate"),
    "input": ("POST", "/api/v1/instances/{id}/input"),
    "batch": ("POST", "/api/v1/batch"),
    "file_stat": ("GET", "/api/v1/instances/{id}/files/stat"),
    "download": ("GET", "/api/v1/instances/{id}/files"),
    "upload": ("PUT", "/api/v1/instances/{id}/files"),
    "devices": ("GET", "/api/v1/instances/{id}/devices"),
    "battery": ("GET", "/api/v1/instances/{id}/devices/battery"),
    "set_battery": ("PATCH", "/api/v1/instances/{id}/devices/battery"),
    "network": ("GET", "/api/v1/instances/{id}/devices/network"),
    "set_network": ("PATCH", "/api/v1/instances/{id}/devices/network"),
    "apps": ("GET", "/api/v1/instances/{id}/apps"),
    "install_app": ("POST", "/api/v1/instances/{id}/apps"),
    "remove_app": ("DELETE", "/api/v1/instances/{id}/apps/{app}"),
    "start_app": ("POST", "/api/v1/instances/{id}/apps/{app}/start"),
    "phone": ("GET", "/api/v1/instances/{id}/phone"),
    "set_phone": ("PATCH", "/api/v1/instances/{id}/phone"),
    "calls": ("GET", "/api/v1/instances/{id}/phone/calls"),
    "call": ("POST", "/api/v1/instances/{id}/phone/calls"),
    "answer": ("POST", "/api/v1/instances/{id}/phone/calls/{call}/answer"),
    "hang_up": ("DELETE", "/api/v1/instances/{id}/phone/calls/{call}"),
    "sms": ("GET", "/api/v1/instances/{id}/phone/sms"),
    "send_sms": ("POST", "/api/v1/instances/{id}/phone/sms"),
    "events": ("GET", "/api/v1/events"),
}

# Streamed bodies are sent and read in pieces of this size.
CHUNK = 256 * 1024


class VmiError(Exception):
    """An API error: the HTTP status and the API's code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over the node's Unix socket (root there acts as the first admin)."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


Body = Union[None, bytes, BinaryIO, Dict[str, Any], List[Any]]
Progress = Optional[Callable[[int], None]]


class Client:
    """One connection's worth of state: where the node is and who we are.

    Not thread-safe; use one Client per thread (they are cheap)."""

    def __init__(self, base_url: str = "", token: Optional[str] = None, timeout: float = 120,
                 ssl_context: Optional[ssl.SSLContext] = None, unix_socket: Optional[str] = None):
        self.token = token
        self.timeout = timeout
        self._unix = unix_socket
        self._url = urllib.parse.urlsplit(base_url) if base_url else None
        self._ssl = ssl_context
        self._cookie: Optional[str] = None
        self._csrf: Optional[str] = None
        # Called as (operation, method, path, json_body) before each request:
        # for logging, and for the tests that validate bodies against the
        # OpenAPI document.
        self.on_request: Optional[Callable[[str, str, str, Any], None]] = None

    @classmethod
    def unix(cls, path: str = "/run/vmi/api.sock", **kw: Any) -> "Client":
        return cls(unix_socket=path, **kw)

    # --- plumbing -------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        if self._unix:
            return _UnixConnection(self._unix, self.timeout)
        if not self._url:
            raise ValueError("give a base URL or a Unix socket")
        if self._url.scheme == "https":
            return http.client.HTTPSConnection(self._url.netloc, timeout=self.timeout,
                                               context=self._ssl)
        return http.client.HTTPConnection(self._url.netloc, timeout=self.timeout)

    def _open(self, op: str, params: Optional[Dict[str, Any]] = None,
              query: Optional[Dict[str, Any]] = None, body: Body = None,
              content_type: str = "application/json", length: Optional[int] = None,
              progress: Progress = None) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        method, template = OPERATIONS[op]
        path = template
        for k, v in (params or {}).items():
            path = path.replace("{" + k + "}", urllib.parse.quote(str(v), safe=""))
        if "{" in path:
            raise ValueError(f"{op}: missing path parameter in {path}")
        q = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if q:
            path += "?" + urllib.parse.urlencode(q)
        if self.on_request:
            self.on_request(op, method, template, body if isinstance(body, (dict, list)) else None)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if self._cookie:
            headers["Cookie"] = self._cookie
            if method not in ("GET", "HEAD") and self._csrf:
                headers["X-CSRF-Token"] = self._csrf
        conn = self._connect()
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
            conn.request(method, path, body=data, headers=headers)
        elif isinstance(body, bytes):
            headers["Content-Type"] = content_type
            conn.request(method, path, body=body, headers=headers)
        elif body is not None:
            # A file: streamed with a known length, so the node can refuse
            # it before reading it when it cannot fit.
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(length)
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            sent = 0
            while True:
                piece = body.read(CHUNK)
                if not piece:
                    break
                conn.send(piece)
                sent += len(piece)
                if progress:
                    progress(sent)
        else:
            conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        if resp.status >= 400:
            raw = resp.read()
            conn.close()
            raise _error(resp.status, raw)
        return conn, resp

    def _call(self, op: str, params: Optional[Dict[str, Any]] = None,
              query: Optional[Dict[str, Any]] = None, body: Body = None) -> Any:
        conn, resp = self._open(op, params, query, body)
        try:
            raw = resp.read()
            self._remember_session(resp)
        finally:
            conn.close()
        if not raw:
            return None
        if resp.getheader("Content-Type", "").startswith("application/json"):
            return json.loads(raw)
        return raw

    def _remember_session(self, resp: http.client.HTTPResponse) -> None:
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie" and v.startswith("vmi_session="):
                self._cookie = v.split(";", 1)[0]

    # --- authentication -------------------------------------------------

    def login(self, name: str, password: str) -> Dict[str, Any]:
        """A console session (cookie + CSRF token); scripts usually use a token."""
        me = self._call("login", body={"name": name, "password": password})
        self._csrf = me.get("csrf_token")
        return me

    def logout(self) -> None:
        self._call("logout")
        self._cookie = self._csrf = None

    def me(self) -> Dict[str, Any]:
        return self._call("me")

    def create_token(self, name: str, ttl_seconds: Optional[int] = None) -> Dict[str, Any]:
        """A new API token; its `token` is shown only in this answer."""
        body: Dict[str, Any] = {"name": name}
        if ttl_seconds is not None:
            body["ttl_seconds"] = ttl_seconds
        return self._call("create_token", body=body)

    def tokens(self) -> List[Dict[str, Any]]:
        return self._call("tokens")["tokens"]

    def revoke_token(self, token_id: str) -> None:
        self._call("revoke_token", {"id": token_id})

    # --- node and images ------------------------------------------------

    def health(self) -> Dict[str, Any]:
        return self._call("health")

    def node(self) -> Dict[str, Any]:
        return self._call("node")

    def images(self) -> List[Dict[str, Any]]:
        return self._call("images")

    # --- instances ------------------------------------------------------

    def instances(self, selector: Optional[str] = None) -> List[Dict[str, Any]]:
        """Instances the caller may see; `selector` as in `vmi ls -l` (team=qa,!beta)."""
        return self._call("instances", query={"selector": selector})

    def instance(self, id: str) -> Dict[str, Any]:
        return self._call("instance", {"id": id})

    def create(self, name: str, start: bool = False, **spec: Any) -> Dict[str, Any]:
        """Creates an instance: spec fields as in the CreateInstance schema
        (image, cpus, memory, resolution, dpi, network, restart, disk, labels...)."""
        return self._call("create", query={"start": start or None}, body={"name": name, **spec})

    def delete(self, id: str, force: bool = False) -> None:
        self._call("delete", {"id": id}, query={"force": force or None})

    def start(self, id: str) -> Dict[str, Any]:
        return self._call("start", {"id": id})

    def stop(self, id: str) -> Dict[str, Any]:
        return self._call("stop", {"id": id})

    def restart(self, id: str) -> Dict[str, Any]:
        return self._call("restart", {"id": id})

    def wait_running(self, id: str, timeout: float = 60, display: bool = False) -> Dict[str, Any]:
        """Polls until the instance is running, and with `display` until its
        display is ready too (TimeoutError after `timeout` seconds,
        RuntimeError at once if it exited)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.instance(id)
            if r.get("state") == "running" and (not display or r.get("display_ready")):
                return r
            if r.get("state") == "exited":
                raise RuntimeError(f"instance {id} exited")
            if time.monotonic() > deadline:
                raise TimeoutError(f"instance {id} not running after {timeout} s (state {r.get('state')})")
            time.sleep(0.2)

    def exec(self, id: str, argv: List[str], timeout_ms: Optional[int] = None,
             max_output: Optional[int] = None) -> ExecResult:
        body: Dict[str, Any] = {"argv": argv}
        if timeout_ms is not None:
            body["timeout_ms"] = timeout_ms
        if max_output is not None:
            body["max_output"] = max_output
        r = self._call("exec", {"id": id}, body=body)
        return ExecResult(r["exit_code"], r.get("stdout", ""), r.get("stderr", ""),
                          bool(r.get("truncated")))

    def logs(self, id: str) -> Any:
        return self._call("logs", {"id": id})

    def screenshot(self, id: str, format: str = "png", max_width: Optional[int] = None) -> bytes:
        """The display as PNG (or JPEG) bytes."""
        return self._call("screenshot", {"id": id}, query={"format": format, "max_width": max_width})

    def rotate(self, id: str, orientation: str) -> Any:
        return self._call("rotate", {"id": id}, body={"orientation": orientation})

    def input(self, id: str, steps: List[Dict[str, Any]],
              timeout_ms: Optional[int] = None) -> Dict[str, Any]:
        """Runs an input script: steps such as {"tap": {"x": 10, "y": 20}},
        {"type": "text"}, {"key": "Return"}, {"wait": 500},
        {"wait_until": {"region": [x, y, w, h], "changes": True}},
        {"screenshot": {"region": [x, y, w, h]}}. The answer says per step
        what happened; "ok" is False at the first step that failed."""
        body: Dict[str, Any] = {"steps": steps}
        if timeout_ms is not None:
            body["timeout_ms"] = timeout_ms
        return self._call("input", {"id": id}, body=body)

    def batch(self, selector: str, action: str, **args: Any) -> Dict[str, Any]:
        """One operation on every instance `selector` picks, with a result per
        instance: action start|stop|restart|delete|exec|battery|network|input;
        for exec pass exec={"argv": [...]}, for input input={"steps": [...]},
        for delete force=True."""
        return self._call("batch", body={"selector": selector, "action": action, **args})

    # --- files (vmi cp) ---------------------------------------------------

    def file_stat(self, id: str, path: str) -> Dict[str, Any]:
        return self._call("file_stat", {"id": id}, query={"path": path})

    def upload(self, id: str, path: str, source: Union[bytes, str, BinaryIO],
               progress: Progress = None) -> Any:
        """Writes `source` (bytes, a local file name, or an open binary file)
        to the guest's `path`, streamed; `progress(bytes_sent)` after each piece."""
        if isinstance(source, bytes):
            return self._finish(self._open("upload", {"id": id}, {"path": path}, source,
                                           "application/octet-stream"))
        f = open(source, "rb") if isinstance(source, str) else source
        try:
            size = _remaining(f)
            return self._finish(self._open("upload", {"id": id}, {"path": path}, f,
                                           "application/octet-stream", size, progress))
        finally:
            if isinstance(source, str):
                f.close()

    def download(self, id: str, path: str, dest: Union[None, str, BinaryIO] = None,
                 progress: Progress = None) -> Optional[bytes]:
        """Reads the guest's `path`: returned as bytes, or streamed into
        `dest` (a local file name or an open binary file)."""
        conn, resp = self._open("download", {"id": id}, {"path": path})
        try:
            if dest is None:
                return resp.read()
            out = open(dest, "wb") if isinstance(dest, str) else dest
            try:
                got = 0
                while True:
                    piece = resp.read(CHUNK)
                    if not piece:
                        break
                    out.write(piece)
                    got += len(piece)
                    if progress:
                        progress(got)
            finally:
                if isinstance(dest, str):
                    out.close()
            return None
        finally:
            conn.close()

    # --- device controls --------------------------------------------------

    def devices(self, id: str) -> Dict[str, Any]:
        return self._call("devices", {"id": id})

    def battery(self, id: str) -> Dict[str, Any]:
        return self._call("battery", {"id": id})

    def set_battery(self, id: str, **fields: Any) -> Dict[str, Any]:
        """level (0-100), status, source (ac|usb|none): the Battery schema."""
        return self._call("set_battery", {"id": id}, body=fields)

    def network(self, id: str) -> Dict[str, Any]:
        return self._call("network", {"id": id})

    def set_network(self, id: str, **fields: Any) -> Dict[str, Any]:
        """profile, bandwidth_kbit, delay_ms, jitter_ms, loss_percent...: the
        NetworkConditions schema."""
        return self._call("set_network", {"id": id}, body=fields)

    # --- apps -------------------------------------------------------------

    def apps(self, id: str) -> Dict[str, Any]:
        return self._call("apps", {"id": id})

    def install_app(self, id: str, file: str, timeout_s: Optional[int] = None,
                    progress: Progress = None) -> Any:
        """Installs a local package file (.deb, .exe, .msi, .zip, .apk as the image's kind takes)."""
        name = file.rsplit("/", 1)[-1]
        with open(file, "rb") as f:
            return self._finish(self._open("install_app", {"id": id},
                                           {"file": name, "timeout_s": timeout_s}, f,
                                           "application/octet-stream", _remaining(f), progress))

    def remove_app(self, id: str, app: str) -> None:
        self._call("remove_app", {"id": id, "app": app})

    def start_app(self, id: str, app: str) -> Any:
        return self._call("start_app", {"id": id, "app": app})

    # --- phone line ---------------------------------------------------------

    def phone(self, id: str) -> Dict[str, Any]:
        return self._call("phone", {"id": id})

    def set_phone(self, id: str, **fields: Any) -> Dict[str, Any]:
        return self._call("set_phone", {"id": id}, body=fields)

    def calls(self, id: str) -> List[Dict[str, Any]]:
        return self._call("calls", {"id": id})

    def call(self, id: str, to: Optional[str] = None, from_: Optional[str] = None) -> Any:
        """`to`: the instance dials a number; `from_`: a call from outside rings at it."""
        body = {"to": to} if to is not None else {"from": from_}
        return self._call("call", {"id": id}, body=body)

    def answer(self, id: str, call: int) -> Any:
        return self._call("answer", {"id": id, "call": call})

    def hang_up(self, id: str, call: int) -> Any:
        return self._call("hang_up", {"id": id, "call": call})

    def sms(self, id: str) -> List[Dict[str, Any]]:
        return self._call("sms", {"id": id})

    def send_sms(self, id: str, from_: str, text: str) -> Any:
        """Delivers an SMS from a number outside the node to the instance."""
        return self._call("send_sms", {"id": id}, body={"from": from_, "text": text})

    # --- events -------------------------------------------------------------

    def events(self) -> Iterator[Tuple[str, Any]]:
        """The event stream (Server-Sent Events) as (event, data) pairs, for
        as long as the caller iterates; close the generator to stop."""
        conn, resp = self._open("events")
        try:
            event, data = "message", []
            while True:
                line = resp.readline()
                if not line:
                    return
                line = line.decode().rstrip("\r\n")
                if not line:
                    if data:
                        text = "\n".join(data)
                        try:
                            yield event, json.loads(text)
                        except ValueError:
                            yield event, text
                    event, data = "message", []
                elif line.startswith(":"):
                    continue
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
        finally:
            conn.close()

    def _finish(self, opened: Tuple[http.client.HTTPConnection, http.client.HTTPResponse]) -> Any:
        conn, resp = opened
        try:
            raw = resp.read()
        finally:
            conn.close()
        if raw and resp.getheader("Content-Type", "").startswith("application/json"):
            return json.loads(raw)
        return raw or None


def _query_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _remaining(f: BinaryIO) -> int:
    here = f.tell()
    f.seek(0, 2)
    end = f.tell()
    f.seek(here)
    return end - here


def _error(status: int, raw: bytes) -> VmiError:
    try:
        e = json.loads(raw)["error"]
        return VmiError(status, e.get("code", ""), e.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return VmiError(status, "", raw.decode(errors="replace")[:500])
