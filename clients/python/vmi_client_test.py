"""Tests of the Python client (ctest `python_client`).

1. Against the OpenAPI document: every operation the client calls exists
   there with its method and path parameters.
2. Against a real `vmi serve` (root, a temporary data directory) and real
   linux-mobile instances: every JSON body the client sends is validated
   against the document's request schema on the way out, and the calls do
   what they say (checked by their effects, not just their status).

    VMI_BIN_DIR=build/bin python3 clients/python/vmi_client_test.py
"""

import base64
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import vmi_client  # noqa: E402
from vmi_client import Client, VmiError  # noqa: E402

DOC_PATH = os.path.join(ROOT, "docs", "api", "openapi.json")
with open(DOC_PATH) as f:
    DOC = __import__("json").load(f)


def request_schema(method, template):
    op = DOC["paths"][template][method.lower()]
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    return body["schema"] if body else None


def validate(schema, value):
    # The schema's $refs point into the whole document.
    jsonschema.validate(value, {**schema, "components": DOC["components"]},
                        cls=jsonschema.Draft7Validator)


class AgainstTheDocument(unittest.TestCase):
    def test_every_operation_is_documented_with_its_method_and_parameters(self):
        for name, (method, template) in vmi_client.OPERATIONS.items():
            with self.subTest(operation=name):
                self.assertIn(template, DOC["paths"], f"{name}: {template} is not in openapi.json")
                op = DOC["paths"][template].get(method.lower())
                self.assertIsNotNone(op, f"{name}: {method} {template} is not in openapi.json")
                documented = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
                used = set(re.findall(r"{(\w+)}", template))
                self.assertEqual(used, documented, f"{name}: path parameters")

    def test_every_operation_has_a_method(self):
        source = open(os.path.join(HERE, "vmi_client.py")).read()
        for name in vmi_client.OPERATIONS:
            with self.subTest(operation=name):
                self.assertRegex(source, r'_(?:call|open)\(\s*"%s"' % name,
                                 f"{name} is in OPERATIONS but no method calls it")

    def test_a_body_the_document_refuses_is_caught_before_sending(self):
        schema = request_schema("POST", "/api/v1/instances")
        validate(schema, {"name": "ok-1", "cpus": 1})
        with self.assertRaises(jsonschema.ValidationError):
            validate(schema, {"name": "ok-1", "cpus": -1})
        with self.assertRaises(jsonschema.ValidationError):
            validate(schema, {"name": "ok-1", "colour": "red"})


class Daemon:
    """`vmi serve` on a temporary data directory, a Unix socket and a free port."""

    def __init__(self, bin_dir):
        self.dir = tempfile.mkdtemp(prefix="vmi-py-")
        os.chmod(self.dir, 0o755)  # instances' mapped root traverses it
        self.sock = os.path.join(self.dir, "api.sock")
        self.log_path = os.path.join(self.dir, "daemon.log")
        log = open(self.log_path, "ab")
        env = dict(os.environ, VMI_ADMIN_PASSWORD="py-client-admin-pw", VMI_LOG_LEVEL="info")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "vmi"), "serve", "--data-dir", os.path.join(self.dir, "data"),
             "--socket", self.sock, "--port", "0"],
            stdout=log, stderr=log, env=env)
        log.close()
        deadline = time.monotonic() + 120
        while True:
            m = re.search(r"API:\s+http://127\.0\.0\.1:(\d+)/", open(self.log_path).read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("vmi serve did not listen: " + open(self.log_path).read()[-4000:])
            time.sleep(0.1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(os.geteuid() == 0 and os.environ.get("VMI_BIN_DIR"),
                     "needs root and VMI_BIN_DIR (the daemon runs instances)")
class AgainstARealNode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon(os.environ["VMI_BIN_DIR"])
        cls.sent = []

        def check_body(op, method, template, body):
            schema = request_schema(method, template)
            if body is not None:
                if schema is None:
                    raise AssertionError(f"{op}: sends JSON but {method} {template} documents none")
                validate(schema, body)
            cls.sent.append(op)

        # Root on the Unix socket acts as the first admin; it makes a token
        # for the TCP client, which is what scripts elsewhere use.
        cls.root = Client.unix(cls.daemon.sock)
        cls.root.on_request = check_body
        token = cls.root.create_token("py-client-test", ttl_seconds=3600)
        cls.c = Client(f"http://127.0.0.1:{cls.daemon.port}", token=token["token"])
        cls.c.on_request = check_body
        cls.c.create("py-a", labels={"team": "qa"}, resolution="480x800", start=True)
        cls.c.create("py-b", labels={"team": "qa"}, resolution="480x800")

    @classmethod
    def tearDownClass(cls):
        try:
            for name in ("py-a", "py-b"):
                try:
                    cls.c.delete(name, force=True)
                except VmiError:
                    pass
        finally:
            cls.daemon.stop()

    def test_token_authenticates_as_the_admin(self):
        me = self.c.me()
        self.assertEqual(me["name"], "admin")
        self.assertEqual(me["auth_method"], "token")
        self.assertIn("py-client-test", [t["name"] for t in self.c.tokens()])

    def test_session_login_carries_the_csrf_token(self):
        s = Client(f"http://127.0.0.1:{self.daemon.port}")
        s.on_request = self.c.on_request
        with self.assertRaises(VmiError) as e:
            s.me()
        self.assertEqual(e.exception.status, 401)
        s.login("admin", "py-client-admin-pw")
        self.assertEqual(s.me()["auth_method"], "session")
        # An unsafe request through the session needs the CSRF token, which
        # the client sends from the login answer.
        t = s.create_token("py-session-made")
        self.assertTrue(t["token"].startswith("vmi_"))
        s.logout()
        with self.assertRaises(VmiError):
            s.me()

    def test_exec_screenshot_and_files_in_a_running_instance(self):
        self.c.wait_running("py-a", timeout=90)
        r = self.c.exec("py-a", ["sh", "-c", "uname -s; echo err >&2; exit 3"])
        self.assertEqual((r.exit_code, r.stdout.strip(), r.stderr.strip()), (3, "Linux", "err"))
        png = self.c.screenshot("py-a", max_width=120)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(int.from_bytes(png[16:20], "big"), 120)  # IHDR width

        data = os.urandom(3 * vmi_client.CHUNK + 123)
        src = os.path.join(self.daemon.dir, "up.bin")
        with open(src, "wb") as f:
            f.write(data)
        seen = []
        self.c.upload("py-a", "/tmp/py-up.bin", src, progress=seen.append)
        self.assertEqual(seen[-1], len(data))
        self.assertGreater(len(seen), 1)
        self.assertEqual(self.c.file_stat("py-a", "/tmp/py-up.bin")["size"], len(data))
        guest_sum = self.c.exec("py-a", ["sha256sum", "/tmp/py-up.bin"]).stdout.split()[0]
        self.assertEqual(guest_sum, hashlib.sha256(data).hexdigest())
        back = os.path.join(self.daemon.dir, "down.bin")
        self.c.download("py-a", "/tmp/py-up.bin", back)
        self.assertEqual(open(back, "rb").read(), data)
        with self.assertRaises(VmiError) as e:
            self.c.download("py-a", "/tmp/../etc/shadow")
        self.assertEqual(e.exception.status, 400)

    def test_battery_set_through_the_client_is_what_the_guest_sees(self):
        self.c.wait_running("py-a", timeout=90)
        self.c.set_battery("py-a", level=42, source="none")
        self.assertEqual(self.c.battery("py-a")["level"], 42)
        cap = self.c.exec("py-a", ["cat", "/sys/class/power_supply/BAT0/capacity"])
        self.assertEqual(cap.stdout.strip(), "42", cap.stderr)

    def test_batch_exec_reports_each_instance(self):
        self.c.wait_running("py-a", timeout=90)
        r = self.c.batch("team=qa", "exec", exec={"argv": ["true"]})
        self.assertEqual(r["matched"], 2)
        by_name = {x["name"]: x for x in r["results"]}
        self.assertTrue(by_name["py-a"]["ok"])
        self.assertFalse(by_name["py-b"]["ok"])  # created, never started
        self.assertEqual((r["succeeded"], r["failed"]), (1, 1))
        self.assertEqual([i["name"] for i in self.c.instances(selector="team=qa,!nope")],
                         ["py-a", "py-b"])

    def test_input_scripts_wait_for_the_screen_and_press_keys_and_tap(self):
        self.c.wait_running("py-a", timeout=90, display=True)
        # The session's on-screen keyboard window, found by name.
        kbd = "export DISPLAY=:0; w=$(xdotool search --onlyvisible --name '^Keyboard$' | head -1); "
        deadline = time.monotonic() + 60
        while True:
            geo = self.c.exec("py-a", ["sh", "-c", kbd + "test -n \"$w\" && xdotool "
                                       "getwindowgeometry --shell $w"]).stdout
            if "WIDTH" in geo:
                break
            self.assertLess(time.monotonic(), deadline, "the on-screen keyboard did not show")
            time.sleep(0.2)
        g = dict(line.split("=") for line in geo.split())
        region = [int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])]

        # A wait for that part of the screen to change ends when the guest
        # hides the keyboard.
        waiter = Client(f"http://127.0.0.1:{self.daemon.port}", token=self.c.token)
        waiter.on_request = self.c.on_request
        answer = {}
        t = threading.Thread(target=lambda: answer.update(waiter.input(
            "py-a", [{"wait_until": {"region": region, "changes": True, "timeout_ms": 30000}}])))
        t.start()
        time.sleep(1)
        self.c.exec("py-a", ["sh", "-c", kbd + "xdotool windowunmap --sync $w"])
        t.join(60)
        self.assertTrue(answer.get("ok"), answer)
        self.assertGreater(answer["steps"][0]["ms"], 500)
        self.c.exec("py-a", ["sh", "-c", "export DISPLAY=:0; xdotool search --name '^Keyboard$' "
                             "| while read w; do xdotool windowmap $w; done"])

        # Keys reach the guest's X server (Caps Lock's state is the
        # keyboard's, whatever window has the focus) and a tap moves the
        # pointer to where it was.
        caps = "DISPLAY=:0 xset q | grep -o 'Caps Lock: *o[nf]*'"
        self.assertRegex(self.c.exec("py-a", ["sh", "-c", caps]).stdout, r":\s+off")
        r = self.c.input("py-a", [{"key": "Caps_Lock"}, {"tap": {"x": 123, "y": 601}}])
        self.assertTrue(r["ok"], r)
        self.assertEqual([s["op"] for s in r["steps"]], ["key", "tap"])
        self.assertRegex(self.c.exec("py-a", ["sh", "-c", caps]).stdout, r":\s+on")
        where = self.c.exec("py-a", ["sh", "-c", "DISPLAY=:0 xdotool getmouselocation"]).stdout
        self.assertRegex(where, r"^x:123 y:601 ")
        self.assertTrue(self.c.input("py-a", [{"key": "Caps_Lock"}])["ok"])
        self.assertRegex(self.c.exec("py-a", ["sh", "-c", caps]).stdout, r":\s+off")
        region = [0, 0, 240, 120]

        # A region's picture, then a wait for the same picture: it matches.
        shot = self.c.input("py-a", [{"screenshot": {"region": region}}])
        png = base64.b64decode(shot["steps"][0]["png"])
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(int.from_bytes(png[16:20], "big"), region[2])
        same = self.c.input("py-a", [{"wait_until": {"region": region,
                                                     "matches": shot["steps"][0]["png"],
                                                     "timeout_ms": 5000}}])
        self.assertTrue(same["ok"], same)

        # A step that fails stops the script and says where and why.
        r = self.c.input("py-a", [{"wait": 1}, {"tap": {"x": 5000, "y": 1}}, {"type": "never"}])
        self.assertFalse(r["ok"])
        self.assertEqual((r["error"]["step"], r["error"]["code"]), (1, "invalid_argument"))
        self.assertEqual(len(r["steps"]), 2)
        # A malformed script is refused whole, naming the field.
        raw = Client(f"http://127.0.0.1:{self.daemon.port}", token=self.c.token)
        with self.assertRaises(VmiError) as e:
            raw.input("py-a", [{"tap": {"x": 1}}])
        self.assertEqual(e.exception.status, 400)
        self.assertIn("steps[0].tap", e.exception.message)

        # The CLI: a script from a file, its screenshot saved, exit code 0;
        # then a failing one, exit code 1 and the step named.
        vmi = [os.path.join(os.environ["VMI_BIN_DIR"], "vmi"), "--server", "unix://" + self.daemon.sock]
        script = os.path.join(self.daemon.dir, "script.json")
        with open(script, "w") as f:
            f.write('[{"key": "Escape"}, {"screenshot": {"region": [0, 0, 32, 16]}}]')
        out = subprocess.run(vmi + ["input", "py-a", script, "--shots", self.daemon.dir],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"1\tscreenshot\tok")
        with open(os.path.join(self.daemon.dir, "step-1.png"), "rb") as f:
            self.assertEqual(f.read()[:4], b"\x89PNG")
        out = subprocess.run(vmi + ["input", "py-a", "-"], input='{"steps": [{"tap": {"x": 1, "y": 5000}}]}',
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("step 0 failed", out.stdout)

        # On many instances at once: each gets its own result.
        r = self.c.batch("team=qa", "input", input={"steps": [{"wait": 1}]})
        by_name = {x["name"]: x for x in r["results"]}
        self.assertTrue(by_name["py-a"]["ok"], by_name["py-a"])
        self.assertTrue(by_name["py-a"]["script"]["ok"])
        self.assertFalse(by_name["py-b"]["ok"])  # not running
        self.assertEqual(by_name["py-b"]["error"]["code"], "failed_precondition")

    def test_bad_input_is_an_error_and_changes_nothing(self):
        before = [i["name"] for i in self.c.instances()]
        with self.assertRaises(VmiError) as e:
            self.c.instance("no-such-phone")
        self.assertEqual((e.exception.status, e.exception.code), (404, "not_found"))
        # Sent raw (the client's own check would stop it first): the node
        # refuses it naming the field, and creates nothing.
        raw = Client(f"http://127.0.0.1:{self.daemon.port}", token=self.c.token)
        with self.assertRaises(VmiError) as e:
            raw.create("py-bad", cpus=-1)
        self.assertEqual(e.exception.status, 400)
        self.assertIn("cpus", e.exception.message)
        self.assertEqual([i["name"] for i in self.c.instances()], before)

    def test_events_start_with_the_instances(self):
        names = set()
        stream = self.c.events()
        try:
            for event, data in stream:
                if event == "instance":
                    names.add(data["name"])
                if {"py-a", "py-b"} <= names:
                    break
        finally:
            stream.close()
        self.assertLessEqual({"py-a", "py-b"}, names)


if __name__ == "__main__":
    unittest.main(verbosity=2)
