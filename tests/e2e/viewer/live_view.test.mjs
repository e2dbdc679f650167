// E2E: the live view in a real Chromium (Debian's, via playwright-core)
// against viewer_test_server (the daemon's HTTP server + a known test
// pattern + a recording input sink).
//
// Checks: the instance list; decoded canvas pixels equal the source's known
// colours (H.264 through WebCodecs, and the JPEG fallback); a click lands on
// exactly the guest pixel clicked; a box moving over the still picture
// comes as region frames (small pictures of their own streams) and the
// canvas ends showing the picture where it stopped; typed text, non-ASCII included, arrives
// intact; a special key arrives as its keysym; malformed messages close the
// connection with a reason.
//
// Usage: node live_view.test.mjs <viewer_test_server> <web/dist>
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const [serverBin, webDir] = process.argv.slice(2);
const W = 360, H = 640;
// The test pattern's 64x64 box moves 8 pixels a capture for the first
// BOX_CAPTURES captures (the first viewer's), then stays at x = BOX_X.
const BOX_CAPTURES = 40, BOX = 64, BOX_X = (8 * (BOX_CAPTURES - 1)) % (W - BOX);
const RED = [255, 0, 0], GREEN = [0, 255, 0], BLUE = [0, 0, 255], WHITE = [255, 255, 255];

function startServer() {
  const child = spawn(serverBin, ["--web-dir", webDir, "--width", String(W), "--height", String(H),
    "--animate-captures", String(BOX_CAPTURES)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const events = [];
  const waiters = [];
  let resolvePort;
  const port = new Promise((r) => (resolvePort = r));
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("LISTENING ")) resolvePort(Number(line.slice(10)));
    if (line.startsWith("EVENT ")) {
      events.push(line.slice(6));
      for (const w of [...waiters]) w();
    }
  });
  // Resolves once pred(events) holds; rejects after 15 s with what arrived.
  const waitEvents = (pred, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (pred(events)) {
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events)}`));
      }, 15000);
      waiters.push(check);
      check();
    });
  return { child, port, events, waitEvents };
}

function near(got, want, tol, where) {
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${where}: got rgb(${got.slice(0, 3)}) want rgb(${want})`);
  }
}

async function waitPainted(page) {
  await page.waitForFunction(() => window.__vmiViewer && window.__vmiViewer.stats.painted > 0, null, {
    timeout: 20000,
  });
}

// Reads painted pixels at guest coordinates (the canvas backing store is the
// guest screen, 1:1; the paint worker owns it, the viewer asks it).
async function pixels(page, points) {
  return page.evaluate((pts) =>
    Promise.all(pts.map(async ([x, y]) => Array.from(await window.__vmiViewer.pixels(x, y, 1, 1)))), points);
}

async function checkQuadrants(page, tol, W = 360, H = 640) {
  // Sample well inside each quadrant, away from the animated box row.
  const pts = [[W / 4, H / 8], [(3 * W) / 4, H / 8], [W / 4, (7 * H) / 8], [(3 * W) / 4, (7 * H) / 8],
    [10, 10], [W - 11, 10], [10, H - 11], [W - 11, H - 11]];
  const want = [RED, GREEN, BLUE, WHITE, RED, GREEN, BLUE, WHITE];
  const got = await pixels(page, pts);
  got.forEach((g, i) => near(g, want[i], tol, `pixel ${pts[i]}`));
}

const server = startServer();
const port = await server.port;
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 500, height: 620 }, hasTouch: true });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && console.error("page:", m.text()));

  // 1. The instance list.
  await page.goto(`${base}/`);
  await page.getByText("Test phone").waitFor({ timeout: 10000 });
  console.log("ok - instance list shows the instance");

  // 2. H.264 through WebCodecs: canvas pixels match the source.
  await page.click("text=Test phone");
  await waitPainted(page);
  const stats = await page.evaluate(() => ({ ...window.__vmiViewer.stats }));
  assert.match(stats.codec, /^avc1\.42/);
  assert.equal(stats.width, W);
  assert.equal(stats.height, H);
  await checkQuadrants(page, 24);
  assert.equal(await page.evaluate(() => window.__vmiViewer.offThread), true, "frames should be painted in a worker");
  console.log(`ok - H.264 decoded with WebCodecs in the paint worker (${stats.codec}), pixels match`);

  // 2a. The box moved over the still picture as region frames; once it
  // stopped, the canvas (a full picture with region pictures drawn over it)
  // shows it where it stopped and the background everywhere it passed.
  let last = -1;
  await page.waitForFunction(() => window.__vmiViewer.stats.regionFrames >= 10, null, { timeout: 20000 });
  for (let still = 0; still < 5; ) {
    await new Promise((r) => setTimeout(r, 100));
    const n = await page.evaluate(() => window.__vmiViewer.stats.painted);
    still = n === last ? still + 1 : 0;
    last = n;
  }
  const y = H / 2 - 20;  // inside the box's rows, in the top half
  const boxPts = [[BOX_X + BOX / 2, y], [BOX_X + 4, y], [BOX_X + BOX - 5, y]];
  const passedPts = [[BOX_X + BOX + 30, y], [W / 2 - 20, y], [W / 2 + 30, y], [W - 10, y]];
  const got = await pixels(page, [...boxPts, ...passedPts]);
  boxPts.forEach((p, i) => near(got[i], [0, 0, 0], 24, `box at ${p}`));
  passedPts.forEach((p, i) => near(got[boxPts.length + i], p[0] < W / 2 ? RED : GREEN, 24, `passed at ${p}`));
  await checkQuadrants(page, 24);
  const rs = await page.evaluate(() => ({ ...window.__vmiViewer.stats }));
  console.log(`ok - the moving box came as region frames (${rs.regionFrames} of ${rs.frames}), final picture matches`);

  // 2b. The control buttons draw their icons without any font: each icon
  // button holds an SVG that, rendered on its own, inks pixels, and shows no
  // text (a symbol from a missing font is an empty box).
  {
    const buttons = await page.evaluate(async () => {
      const out = [];
      for (const b of document.querySelectorAll(".controls button")) {
        const svg = b.querySelector("svg.icon");
        const entry = { title: b.title, text: b.textContent.trim(), svg: !!svg, width: 0, inked: 0 };
        if (svg) {
          entry.width = svg.getBoundingClientRect().width;
          const xml = new XMLSerializer()
            .serializeToString(svg)
            .replaceAll("currentColor", "#000")
            .replace(/width="[^"]*"/, 'width="24"')
            .replace(/height="[^"]*"/, 'height="24"');
          const img = new Image();
          img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(xml);
          await img.decode();
          const c = document.createElement("canvas");
          c.width = c.height = 24;
          const g = c.getContext("2d");
          g.drawImage(img, 0, 0);
          const px = g.getImageData(0, 0, 24, 24).data;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 128) entry.inked++;
        }
        out.push(entry);
      }
      return out;
    });
    for (const title of ["Rotate", "Back", "Home", "Screenshot"]) {
      const b = buttons.find((x) => x.title === title);
      assert.ok(b, `no ${title} button`);
      assert.ok(b.svg, `${title} has no SVG icon`);
      assert.equal(b.text, "", `${title} shows text "${b.text}"`);
      assert.ok(b.width >= 12, `${title}'s icon is ${b.width}px wide`);
      assert.ok(b.inked >= 20, `${title}'s icon inks only ${b.inked} pixels`);
    }
    for (const b of buttons.filter((x) => !x.svg)) {
      assert.match(b.text, /^[\x20-\x7e]+$/, `button "${b.title}" shows non-ASCII text without an icon`);
    }
    console.log(`ok - ${buttons.filter((x) => x.svg).length} control buttons draw SVG icons, no font glyphs`);
  }

  // 3. A click lands on exactly the guest pixel under the mouse, with the
  // canvas scaled (the viewport is smaller than the guest screen).
  const box = await page.locator(".screen canvas").boundingBox();
  assert.ok(box.height < H, `canvas should be scaled down, is ${box.height}px high`);
  for (const [gx, gy] of [[100, 200], [0, 0], [W - 1, H - 1], [257, 31]]) {
    const px = box.x + ((gx + 0.5) * box.width) / W;
    const py = box.y + ((gy + 0.5) * box.height) / H;
    const before = server.events.length;
    await page.mouse.click(px, py);
    await server.waitEvents(
      (ev) => ev.slice(before).includes(`pointer ${gx} ${gy} 1`) && ev.slice(before).includes(`pointer ${gx} ${gy} 0`),
      `click at ${gx},${gy}`,
    );
  }
  console.log("ok - clicks arrive at exactly mapped guest coordinates");

  // 4. Typed text, non-ASCII too, arrives intact; Enter as its keysym.
  const typed = "Hello, wörld! Grüße — 中文 ✓ €";
  const before = server.events.length;
  await page.keyboard.type(typed);
  await page.keyboard.press("Enter");
  await server.waitEvents(
    (ev) => ev.slice(before).some((e) => e === "key 65293 0"),
    "typed text and Enter",
  );
  const text = server.events.slice(before).filter((e) => e.startsWith("text ")).map((e) => e.slice(5)).join("");
  assert.equal(text, typed);
  assert.ok(server.events.slice(before).includes("key 65293 1"));
  console.log("ok - typed text (non-ASCII included) and Enter arrive");

  // 5. Home and Back buttons send their keys.
  {
    const before = server.events.length;
    await page.click("button[title=Home]");
    await page.click("button[title=Back]");
    await server.waitEvents(
      (ev) => ["key 269025048 1", "key 269025048 0", "key 269025062 1", "key 269025062 0"].every((k) => ev.slice(before).includes(k)),
      "home and back keys",
    );
    console.log("ok - home and back buttons");
  }

  // 6. Multi-touch: two fingers down, move, up, each with its own id and
  // exactly mapped coordinates.
  {
    const box2 = await page.locator(".screen canvas").boundingBox();
    const at = (gx, gy) => ({ x: box2.x + ((gx + 0.5) * box2.width) / W, y: box2.y + ((gy + 0.5) * box2.height) / H });
    const cdp = await context.newCDPSession(page);
    const before = server.events.length;
    const a = at(50, 100), b = at(300, 500), a2 = at(60, 120), b2 = at(290, 480);
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ ...a, id: 1 }, { ...b, id: 2 }] });
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ ...a2, id: 1 }, { ...b2, id: 2 }] });
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    const want = ["touch 0 0 50 100", "touch 1 0 300 500", "touch 0 1 60 120", "touch 1 1 290 480", "touch 0 2 60 120", "touch 1 2 290 480"];
    await server.waitEvents((ev) => want.every((w) => ev.slice(before).includes(w)), "two-finger touch");
    console.log("ok - multi-touch with finger ids and exact coordinates");
  }

  // 7. Rotate: the guest screen becomes 640x360 and the view follows
  // (new CONFIG, new decoder, same colours in the new layout).
  {
    await page.click("button[title=Rotate]");
    await server.waitEvents((ev) => ev.includes("rotate 640x360"), "rotation");
    await page.waitForFunction(
      () => window.__vmiViewer.stats.width === 640 && window.__vmiViewer.stats.height === 360 &&
        window.__vmiViewer.canvas.width === 640,
      null, { timeout: 15000 },
    );
    // The canvas is cleared by the resize; the new keyframe paints it.
    for (let i = 0; ; i++) {
      try {
        await checkQuadrants(page, 24, 640, 360);
        break;
      } catch (e) {
        if (i >= 50) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const box3 = await page.locator(".screen canvas").boundingBox();
    assert.ok(box3.width > box3.height, "landscape canvas");
    console.log("ok - rotation: new size on both ends, pixels match");
  }

  // 8. The JPEG fallback paints the same picture (rotated back first).
  await page.click("button[title=Rotate]");
  await server.waitEvents((ev) => ev.includes("rotate 360x640"), "rotation back");
  const jpegPage = await browser.newPage({ viewport: { width: 700, height: 900 } });
  await jpegPage.goto(`${base}/#/instances/test?codec=jpeg`);
  await waitPainted(jpegPage);
  const js = await jpegPage.evaluate(() => ({ ...window.__vmiViewer.stats }));
  assert.equal(js.codec, "jpeg");
  await checkQuadrants(jpegPage, 24);
  console.log("ok - JPEG fallback pixels match");

  // 9. Screenshot endpoint (present when built with the display library),
  // fetched the way the Screenshot button does.
  {
    const r = await page.evaluate(async () => {
      const res = await fetch("/api/v1/instances/test/screenshot");
      const b = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, type: res.headers.get("content-type"), head: Array.from(b.slice(0, 8)) };
    });
    if (r.status !== 404) {
      assert.equal(r.status, 200);
      assert.equal(r.type, "image/png");
      assert.deepEqual(r.head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      console.log("ok - screenshot is a PNG");
    } else {
      console.log("skip - screenshot (server built without the display library)");
    }
  }

  // 10. A malformed message closes that viewer with a reason; others live on.
  const reason = await jpegPage.evaluate(
    (url) =>
      new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.binaryType = "arraybuffer";
        ws.onopen = () => ws.send(new Uint8Array([0x10, 1, 1, 0, 0xff]));
        ws.onclose = (e) => resolve(`${e.code} ${e.reason}`);
      }),
    `ws://127.0.0.1:${port}/api/v1/instances/test/stream`,
  );
  assert.equal(reason, "1008 hello: expected 4 bytes, got 5");
  const paintedBefore = await page.evaluate(() => window.__vmiViewer.stats.connected);
  assert.equal(paintedBefore, true);
  console.log("ok - malformed message closes only the offender, with a reason");
} catch (e) {
  failed = true;
  console.error("FAIL:", e.stack || e);
} finally {
  await browser.close();
  server.child.stdin.end();
  await new Promise((r) => server.child.once("exit", r));
}
process.exit(failed ? 1 : 0);
