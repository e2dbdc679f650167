// Helpers shared by the browser tests that drive a real `vmi serve`: start
// the daemon and learn its console address, send a rotate request on its
// Unix socket, and wait for a condition.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import http from "node:http";

// Starts `vmi serve` on a private data directory and socket, with a TCP port
// the kernel picks; resolves with the child and the console's base URL once
// the daemon prints it.
export function startDaemon({ vmi, dataDir, sock, webDir, adminPassword }) {
  const child = spawn(vmi, ["serve", "--data-dir", dataDir, "--socket", sock, "--port", "0",
    "--web-root", webDir], { stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, VMI_ADMIN_PASSWORD: adminPassword } });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(/console:\s+(http:\/\/[0-9.]+:\d+)\//);
      if (m) resolve({ child, base: m[1] });
    });
    child.once("exit", (code) => reject(new Error(`vmi serve exited with ${code}`)));
  });
}

// POST /api/v1/instances/{id}/rotate on the daemon's Unix socket.
export function rotate(sock, id, orientation) {
  const body = JSON.stringify({ orientation });
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, method: "POST", path: `/api/v1/instances/${id}/rotate`,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let data = "";
      res.on("data", (c) => { data += c; });
      res.on("end", () => resolve({ status: res.statusCode, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls f every 250 ms until it returns something truthy (returned), or
// throws after ms milliseconds naming what was awaited.
export async function eventually(what, f, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(250);
  }
}
