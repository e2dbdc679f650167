// E2E: the phone image (Phosh on phoc, nested on the instance's Xvfb) in a
// real instance of the real daemon, driven through the live view in Debian's
// Chromium (playwright-core), the way a person uses it.
//
// Checks, each on the guest's framebuffer (the XWD file Xvfb keeps in the
// device directory) by regions, not by "something changed":
//   1. the lock screen: a large clock in the middle, the status bar at the
//      top, the rest dark;
//   2. a swipe up on the canvas brings the passcode page; a tap on a digit
//      and on Unlock unlock it (the image accepts any passcode), and the
//      launcher with the status bar's clock replaces the lock screen;
//   3. a tap on the Console icon in the launcher starts gnome-console;
//   4. its terminal has focus: the on-screen keyboard (squeekboard) fills
//      the bottom of the screen, and a command typed in the page runs;
//   5. notify-send in the guest: the notification shows in the drawer
//      pulled down from the status bar;
//   6. rotation: the shell is laid out again at the landscape size;
//   7. the guest's ModemManager has the instance's modem (the phone-line
//      session fragment), registered, with the instance's number;
//   8. the console's Home button opens the overview and closes it;
//   9. Home shows the launcher; GNOME Calls, opened from it, rings for a
//      call from the node's network; taps on its buttons answer and end
//      the call;
//  10. Back goes back inside an app (a page of Mobile Settings to its list).
// After 1, the battery set through the API shows in the status bar.
// Between 3 and 4, an app installed through the app API (vmi app install,
// a .deb) while the phone runs appears in the launcher, and vmi app start
// runs it in the phone's session.
// With SHOTS=DIR it writes a PNG of the screen after each step.
//
// Usage: node phone_daemon.test.mjs <vmi binary> <web/dist>   (as root)
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { eventually, rotate, sleep, startDaemon } from "../daemon_util.mjs";

const [vmi, webDir] = process.argv.slice(2);
const W = 720, H = 1280, DPI = 320;  // phoc scale 2: a 360x640 logical phone
const run = promisify(execFile);

if (process.getuid() !== 0) {
  console.log("skip - needs root");
  process.exit(0);
}
for (const tool of ["/usr/bin/phoc", "/usr/libexec/phosh", "/usr/bin/squeekboard", "/usr/bin/kgx"]) {
  if (!existsSync(tool)) {
    console.log(`skip - ${tool} is not installed (scripts/deps/apt-phone.txt)`);
    process.exit(0);
  }
}

const dataDir = mkdtempSync("/var/tmp/vmi-e2e-phone-");
const sock = `${dataDir}/api.sock`;
const adminPassword = `adm-${randomBytes(9).toString("base64url")}`;
const cli = (...args) => run(vmi, ["--server", `unix://${sock}`, ...args], { timeout: 120000 });
const guestEnv = "export DISPLAY=:0 XDG_RUNTIME_DIR=/run/user/0 WAYLAND_DISPLAY=wayland-0 " +
  "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus;";
const guest = async (id, cmd) => {
  try {
    const r = await cli("exec", id, "--", "sh", "-c", `${guestEnv} ${cmd}`);
    return { code: 0, out: r.stdout };
  } catch (e) {
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
};

// The screen from the XWD file Xvfb keeps in the device directory.
function framebuffer(devdir) {
  const b = readFileSync(`${devdir}/Xvfb_screen0`);
  const u32 = (i) => b.readUInt32BE(i * 4);
  const headerSize = u32(0), width = u32(4), height = u32(5), bpl = u32(12), ncolors = u32(19);
  const base = headerSize + ncolors * 12;
  return {
    width, height,
    at: (x, y) => {
      const o = base + y * bpl + x * 4;  // BGRX, little-endian words
      return [b[o + 2], b[o + 1], b[o]];
    },
  };
}

// Share of pixels in [x0,x1)x[y0,y1) (sampled every 3 px) for which f holds.
function share(fb, [x0, y0, x1, y1], f) {
  let n = 0, hit = 0;
  for (let y = y0; y < y1; y += 3) {
    for (let x = x0; x < x1; x += 3) {
      n++;
      if (f(fb.at(x, y))) hit++;
    }
  }
  return hit / n;
}
const dark = ([r, g, b]) => r + g + b < 60;
const bright = ([r, g, b]) => r + g + b > 600;
const lit = ([r, g, b]) => r + g + b > 150;

// Pixels of a region, sampled every 7 px, and the share of them that
// differ between two such grabs.
const grab = (devdir, r) => {
  const fb = framebuffer(devdir), v = [];
  for (let y = r[1]; y < r[3]; y += 7) for (let x = r[0]; x < r[2]; x += 7) v.push(fb.at(x, y).join());
  return v;
};
const differs = (a, b) => a.filter((p, i) => p !== b[i]).length / a.length;

// The status bar's right end, from x 520 (right of its clock) on: the
// battery icon, then its level ("100%", "37%"), light on the bar's black.
// Returns each run of columns holding light pixels (an icon or a glyph)
// with its pixels, left to right. The threshold keeps the antialiased
// edges of neighbouring glyphs apart.
function batteryGlyphs(fb) {
  const ink = ([r, g, b]) => r + g + b > 300;
  const runs = [];
  let run = null;
  for (let x = 520; x < fb.width; x++) {
    const column = [];
    for (let y = 0; y < 60; y++) column.push(ink(fb.at(x, y)) ? 1 : 0);
    if (column.some((v) => v)) {
      if (!run) runs.push(run = { x0: x, columns: [] });
      run.columns.push(column);
    } else {
      run = null;
    }
  }
  return runs.map((r) => ({ x0: r.x0, pixels: r.columns.flat() }));
}

// Waits until the screen has stopped moving (an animation, a page
// sliding in): two grabs 200 ms apart differ in under 0.2% of their pixels,
// which a blinking text cursor stays below.
async function settled(devdir, what) {
  let last = grab(devdir, [0, 0, cur.w, cur.h]);
  await eventually(`${what} settled`, async () => {
    await sleep(200);
    const now = grab(devdir, [0, 0, cur.w, cur.h]);
    const still = differs(last, now) < 0.002;
    last = now;
    return still;
  }, 15000);
}

// Each check's line names the seconds it took since the previous one.
let lastOk = Date.now();
function ok(what) {
  console.log(`ok - ${what} (${((Date.now() - lastOk) / 1000).toFixed(1)} s)`);
  lastOk = Date.now();
}

let shotN = 0;
async function shot(devdir, name) {
  if (!process.env.SHOTS) return;
  const f = `${process.env.SHOTS}/${String(++shotN).padStart(2, "0")}-${name}.png`;
  await run("convert", [`xwd:${devdir}/Xvfb_screen0`, "-crop", `${cur.w}x${cur.h}+0+0`, f]).catch(() => {});
}
const cur = { w: W, h: H };

let failed = false;
const daemon = await startDaemon({ vmi, dataDir, sock, webDir, adminPassword });
let browser;
let id;
let devdir;
try {
  assert.equal((await cli("image", "build", "phone")).stdout.trim(), "phone");
  id = (await cli("create", "--name", "e2e-phone", "--image", "phone", "--memory", "1G",
    "--resolution", `${W}x${H}`, "--dpi", String(DPI))).stdout.trim();
  await cli("start", id);
  devdir = JSON.parse((await cli("--json", "inspect", id)).stdout).device_dir;

  // 1. The lock screen: phosh's big clock (white strokes) in the middle
  // third, dark around it, and the status bar's icons at the top.
  await eventually("lock screen", () => {
    if (!existsSync(`${devdir}/Xvfb_screen0`)) return false;
    const fb = framebuffer(devdir);
    return share(fb, [100, 400, 620, 700], bright) > 0.03 &&
      share(fb, [0, 750, W, 1100], dark) > 0.9 && share(fb, [0, 0, W, 60], lit) > 0.002;
  }, 90000);
  await shot(devdir, "lockscreen");
  ok("the lock screen shows the clock and the status bar");

  // The battery the API sets: a new instance's is full on AC, and the
  // status bar's right end shows its icon and "100%" (four glyphs). Set to
  // 37% discharging, the guest's UPower reports it (what phosh reads, over
  // the system bus), and the status bar follows: another icon, and two
  // digits and "%".
  const battery = () => batteryGlyphs(framebuffer(devdir));
  const widths = (runs) => runs.map((r) => r.pixels.length / 60).join(",");
  // UPower may come up after phosh: until then the bar has no level.
  const full = await eventually("the status bar at 100%", () => {
    const runs = battery();
    return runs.length === 5 && runs;
  }, 15000).catch((e) => {
    throw new Error(`${e.message} (column runs ${widths(battery())})`);
  });
  await cli("device", id, "battery", "--level", "37", "--source", "none");
  await eventually("UPower at 37% discharging", async () => {
    const r = await guest(id, "upower -i /org/freedesktop/UPower/devices/DisplayDevice");
    return /percentage:\s+37%/.test(r.out) && /state:\s+discharging/.test(r.out);
  }, 15000);
  await eventually("the status bar at 37%", () => {
    const now = battery();
    return now.length === 4 && differs(full[0].pixels, now[0].pixels) > 0.1;
  }, 15000).catch((e) => {
    throw new Error(`${e.message} (column runs ${widths(battery())}, at 100%: ${widths(full)})`);
  });
  await shot(devdir, "battery");
  ok("the status bar shows the battery level and state the API set");

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 700, height: 1000 } });
  page.on("console", (m) => m.type() === "error" && console.error("page:", m.text()));
  await page.goto(`${daemon.base}/`);
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill(adminPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByText("e2e-phone").first().waitFor({ timeout: 15000 });
  await page.getByText("e2e-phone").first().click();
  await page.waitForFunction(() => window.__vmiViewer && window.__vmiViewer.stats.painted > 0, null,
    { timeout: 30000 });
  const canvas = page.locator(".screen canvas");
  let box = await canvas.boundingBox();
  const at = (x, y) => [box.x + ((x + 0.5) * box.width) / cur.w, box.y + ((y + 0.5) * box.height) / cur.h];
  const swipe = async (x0, y0, x1, y1, steps = 12) => {
    await page.mouse.move(...at(x0, y0));
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(...at(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps));
      await sleep(25);
    }
    await page.mouse.up();
  };
  const tap = async (x, y) => {
    await page.mouse.move(...at(x, y));
    await page.mouse.down();
    await sleep(60);
    await page.mouse.up();
  };
  // A gesture the shell did not take (on a loaded host the pointer's
  // events arrive late and in bursts: a swipe's motion, a tap's release)
  // is made again, as a person would: what it should do must happen within
  // three.
  const gesture = async (what, act, done) => {
    for (let i = 1; ; i++) {
      await act();
      try {
        await eventually(what, done, 10000);
        break;
      } catch (e) {
        if (i === 3) throw e;
        console.log(`# ${what}: gesture ${i} not taken, again`);
      }
    }
    await settled(devdir, what);
  };

  // 2. Swipe up: the passcode page (the keypad's digits, white on dark, in
  // the lower half; the big clock gone); a digit and Enter unlock; the
  // launcher shows with the status bar's clock at the top centre (the lock
  // screen's status bar has none).
  const statusClock = [200, 4, 520, 56];
  assert.ok(share(framebuffer(devdir), statusClock, bright) < 0.002, "status clock on the lock screen");
  // From the empty middle (not the "slide up" arrow button) to the top.
  await swipe(W / 2, 1000, W / 2, 100, 20);
  await eventually("passcode page", () => {
    const fb = framebuffer(devdir);
    // "Enter Passcode" where the lock screen has nothing, the big clock gone.
    return share(fb, [190, 240, 530, 285], bright) > 0.03 && share(fb, [100, 620, 620, 660], bright) < 0.03;
  }, 15000);
  await shot(devdir, "passcode");
  // The keypad's "1" and the Unlock button, where phosh lays them out on a
  // 360x640 logical screen (the Enter key is taken by the entry's input
  // method in phosh 0.24 and does not submit).
  await tap(188, 560);
  await settled(devdir, "the digit");
  await tap(W / 2, 1250);
  // The launcher's search bar: a wide grey (40,40,40) rounded box.
  const searchBar = [100, 180, 620, 210];
  const grey = ([r, g, b]) => Math.abs(r - 40) < 10 && Math.abs(g - 40) < 10 && Math.abs(b - 40) < 10;
  await eventually("launcher after unlock", () => {
    const fb = framebuffer(devdir);
    return share(fb, statusClock, bright) > 0.01 && share(fb, searchBar, grey) > 0.5;
  }, 20000);
  await settled(devdir, "the launcher");
  await shot(devdir, "unlocked");
  ok("a swipe up and a passcode unlocked the screen; the status bar shows the time");

  // 3. Focus the launcher's search field with a tap: squeekboard slides in
  // over the bottom of the screen (a large block of its key colour).
  const keyboardArea = [0, H - 500, W, H - 20];
  const before = framebuffer(devdir);
  const baseline = [];
  for (let y = keyboardArea[1]; y < keyboardArea[3]; y += 9) for (let x = 0; x < W; x += 9) baseline.push(before.at(x, y).join());
  const changed = () => {
    const fb = framebuffer(devdir);
    let i = 0, n = 0;
    for (let y = keyboardArea[1]; y < keyboardArea[3]; y += 9) {
      for (let x = 0; x < W; x += 9) if (fb.at(x, y).join() !== baseline[i++]) n++;
    }
    return n / i;
  };
  await tap(W / 2, 195);
  await eventually("on-screen keyboard", () => changed() > 0.5, 15000);
  await settled(devdir, "the keyboard");
  await shot(devdir, "keyboard");
  ok("a tap on the launcher's search field shows the on-screen keyboard");

  // 4. Type into it in the page: the launcher narrows to the Console; a
  // tap on the first result starts it (gnome-console's kgx in the guest).
  // An app installed through the app API while the phone runs appears in
  // the launcher: its search finds nothing before, the new entry after (the
  // first result cell lights up).
  const firstResult = [20, 280, 160, 420];
  await page.keyboard.type("hellophone");
  // The search done: the favourites' first icon gone and nothing in its
  // place (the field's debounce and the new layout, then the screen still).
  await eventually("the search for an app not installed", () =>
    share(framebuffer(devdir), firstResult, lit) < 0.01, 15000);
  await settled(devdir, "the search");
  assert.ok(share(framebuffer(devdir), firstResult, lit) < 0.01, "a result before the app exists");
  // The package: a program that writes down the session it runs in, and its
  // desktop entry (no form-factor key: the app API marks its entries for
  // phosh's launcher).
  const pkg = `${dataDir}/hellophone`;
  for (const d of ["DEBIAN", "usr/bin", "usr/share/applications"]) mkdirSync(`${pkg}/${d}`, { recursive: true });
  writeFileSync(`${pkg}/DEBIAN/control`, "Package: hellophone\nVersion: 1.0\nArchitecture: all\n" +
    "Maintainer: vmi <vmi@localhost>\nDescription: vmi phone test\n");
  writeFileSync(`${pkg}/usr/bin/hellophone`,
    "#!/bin/sh\necho \"$WAYLAND_DISPLAY $DBUS_SESSION_BUS_ADDRESS\" > /tmp/hellophone.ran\n");
  chmodSync(`${pkg}/usr/bin/hellophone`, 0o755);
  writeFileSync(`${pkg}/usr/share/applications/hellophone.desktop`,
    "[Desktop Entry]\nType=Application\nName=Hellophone\nExec=hellophone\nIcon=utilities-terminal\n");
  await run("dpkg-deb", ["--root-owner-group", "--build", pkg, `${pkg}.deb`]);
  const appId = (await cli("app", "install", id, `${pkg}.deb`)).stdout.trim();
  await eventually("the new app in the launcher", () => share(framebuffer(devdir), firstResult, lit) > 0.05, 20000);
  await shot(devdir, "installed-app");
  await cli("app", "start", id, appId);
  await eventually("the app started by the API", async () =>
    (await guest(id, "cat /tmp/hellophone.ran 2>/dev/null")).out.trim() ===
      "wayland-0 unix:path=/run/user/0/bus", 15000);
  ok("an app installed through the app API appears in the running phone's launcher and starts in its session");
  for (let i = 0; i < "hellophone".length; i++) await page.keyboard.press("Backspace");

  assert.notEqual((await guest(id, "pgrep -x kgx")).code, 0, "kgx already runs");
  await page.keyboard.type("console");
  // One result left: the first cell lit, the second (Chats in the full
  // list) empty.
  await eventually("Console alone found", () => {
    const fb = framebuffer(devdir);
    return share(fb, firstResult, lit) > 0.05 && share(fb, [200, 280, 340, 420], lit) < 0.005;
  }, 15000);
  await settled(devdir, "the search");
  await shot(devdir, "search");
  await tap(90, 340);
  await eventually("kgx started by the tap", async () => (await guest(id, "pgrep -x kgx")).code === 0, 30000);
  // Typing before Console shows its terminal would be lost (it opens with a
  // splash while its shell starts, seconds on a loaded host): wait for the
  // dark terminal below its header bar with the prompt lit at its top left.
  const terminalDark = ([r, g, b]) => r + g + b < 120;
  await eventually("Console's terminal and prompt", () => {
    const fb = framebuffer(devdir);
    return share(fb, [0, 300, W, 700], terminalDark) > 0.95 && share(fb, [0, 160, 300, 200], lit) > 0.02;
  }, 30000);
  await settled(devdir, "Console");
  await shot(devdir, "console");
  const word = "typed-in-phone";
  await page.keyboard.type(`echo ${word} > /tmp/typed`);
  await page.keyboard.press("Enter");
  await eventually("typed text in the guest", async () =>
    (await guest(id, "cat /tmp/typed 2>/dev/null")).out.trim() === word, 20000);
  ok("typing in the search field found Console, a tap opened it, a command typed in it ran");

  // 5. A notification sent in the guest shows in the drawer pulled down
  // from the status bar: the drawer's lower part differs from the same
  // drawer before the notification (the notification's card).
  const drawer = [0, 500, W, 1100];
  await page.keyboard.press("Escape");
  await settled(devdir, "Console");
  const appArea = [0, 60, W, H - 80];
  const appOnly = grab(devdir, appArea);
  // The drawer: its long date under the clock, and the quick settings'
  // icons in rows below (Cellular, Wi-Fi, Bluetooth, battery, rotation...).
  const drawerOpen = () => {
    const fb = framebuffer(devdir);
    return share(fb, [200, 62, 520, 84], bright) > 0.01 && share(fb, [0, 150, W, 420], lit) > 0.01;
  };
  const pullDrawer = () => gesture("the drawer open", () => swipe(W / 2, 10, W / 2, 1000, 16), drawerOpen);
  const closeDrawer = () => gesture("the drawer closed", () => swipe(W / 2, 1000, W / 2, 10, 16),
    () => differs(appOnly, grab(devdir, appArea)) < 0.05);
  await pullDrawer();
  await shot(devdir, "drawer-empty");
  const empty = grab(devdir, drawer);
  await closeDrawer();
  // The banner shows below the status bar, over Console, and goes.
  const banner = [0, 60, W, 400];
  const noBanner = grab(devdir, banner);
  const sent = await guest(id, "notify-send -a vmi 'Parcel delivered' 'Your parcel is at the door'");
  assert.equal(sent.code, 0, sent.out);
  await eventually("the banner", () => differs(noBanner, grab(devdir, banner)) > 0.05, 15000);
  await shot(devdir, "banner");
  await eventually("the banner gone", () => differs(noBanner, grab(devdir, banner)) < 0.01, 15000);
  await pullDrawer();
  await shot(devdir, "drawer-notification");
  const withNote = grab(devdir, drawer);
  assert.ok(differs(empty, withNote) > 0.02, `drawer unchanged by the notification (${differs(empty, withNote)})`);
  ok("notify-send in the guest shows in the drawer");
  await closeDrawer();

  // 6. Rotation: the X screen, phoc's window (its output) and the shell
  // take the landscape size; the status bar spans it (its right end, with
  // the battery icon, lies beyond the portrait width).
  for (const [orientation, w, h] of [["landscape", H, W], ["portrait", W, H]]) {
    const r = await rotate(sock, id, orientation);
    assert.equal(r.status, 200, r.body);
    cur.w = w;
    cur.h = h;
    await eventually(`phoc output ${w}x${h}`, async () =>
      (await guest(id, "xwininfo -root -children")).out.includes(`${w}x${h}+0+0`),
      15000);
    await eventually(`status bar across ${w}`, () => share(framebuffer(devdir), [w - 120, 0, w, 60], lit) > 0.005,
      15000);
    await settled(devdir, orientation);
    await shot(devdir, orientation);
    box = await canvas.boundingBox();
  }
  ok("rotation relays out the shell in landscape and back");

  // 7. The instance's modem: the guest's ModemManager has registered it on
  // the node's network with the instance's own number (docs/telephony.md),
  // so phosh's status bar and GNOME Calls have a SIM. ModemManager probes
  // the port for 10-30 s after the start; the steps above took longer.
  // Without a modem the status bar's left end is empty.
  const signal = [0, 4, 150, 56];
  const number = JSON.parse((await cli("--json", "phone", id)).stdout).number;
  assert.match(number, /^\+\d+$/);
  await eventually("the modem registered in the guest", async () => {
    const mm = (await guest(id, "mmcli -m any")).out;
    return mm.includes("state: registered") && mm.includes(number.slice(1));
  }, 120000);
  // Phosh shows the modem at the status bar's left end: signal bars and the
  // access technology ("2G").
  await eventually("the signal in the status bar", () => share(framebuffer(devdir), signal, bright) > 0.03, 15000);
  await shot(devdir, "modem");
  ok(`the guest's ModemManager has the instance's modem, registered, number ${number}`);

  // 8. The console's Home button (XF86HomePage) opens phosh's overview over
  // the Console and closes it again.
  const app = grab(devdir, [0, 80, W, H - 80]);
  await page.locator('button[title="Home"]').click();
  await eventually("overview after Home", () => differs(app, grab(devdir, [0, 80, W, H - 80])) > 0.3, 15000);
  await settled(devdir, "the overview");
  await shot(devdir, "home");
  await page.locator('button[title="Home"]').click();
  await eventually("Console back after Home", () => differs(app, grab(devdir, [0, 80, W, H - 80])) < 0.1, 15000);
  ok("the Home button opens the overview and returns to the app");

  // 9. Home shows the launcher: the overview with the launcher's search bar
  // under the running apps. GNOME Calls on the instance's line: opened from
  // the launcher's favourites (its first icon), it takes ModemManager's
  // modem (its dial action enabled, docs/telephony.md); a call from the
  // node's network (vmi call --from) rings in it with its blue Answer
  // button; a tap on it answers the call on the node, and a tap on the red
  // hang-up button ends it there.
  const overviewSearch = [100, 705, 620, 735];
  await page.locator('button[title="Home"]').click();
  await eventually("the launcher after Home", () => share(framebuffer(devdir), overviewSearch, grey) > 0.5, 15000);
  await settled(devdir, "the launcher");
  await shot(devdir, "home-launcher");
  ok("the Home button returns to the launcher");
  await tap(84, 850);
  await eventually("gnome-calls started by the tap", async () => (await guest(id, "pgrep -x gnome-calls")).code === 0,
    30000);
  await eventually("Calls has the modem", async () => (await guest(id, "gdbus call --session --dest org.gnome.Calls " +
    "--object-path /org/gnome/Calls --method org.gtk.Actions.Describe dial")).out.startsWith("((true"), 30000);
  await settled(devdir, "Calls");
  await shot(devdir, "calls");
  const calls = async () => JSON.parse((await cli("--json", "call", id)).stdout);
  await cli("call", id, "--from", "+15557654321");
  const blue = ([r, g, b]) => b > 180 && r < 90 && g > 80 && g < 160;
  const red = ([r, g, b]) => r > 180 && g < 60 && b < 60;
  await eventually("the call ringing in Calls", () => share(framebuffer(devdir), [450, 1015, 555, 1080], blue) > 0.5,
    20000);
  await settled(devdir, "the ringing call");
  await shot(devdir, "ringing");
  assert.equal((await calls())[0]?.state, "incoming");
  await tap(502, 1048);
  await eventually("the call answered", async () => (await calls())[0]?.state === "active", 20000);
  await eventually("the hang-up button", () => share(framebuffer(devdir), [300, 1150, 420, 1200], red) > 0.5, 15000);
  await shot(devdir, "in-call");
  await tap(360, 1175);
  await eventually("the call ended", async () => (await calls()).length === 0, 20000);
  ok("GNOME Calls rings for a call from the node's network; taps answer and end it");

  // 10. Back goes back inside an app: Mobile Settings, a list of pages that
  // opens one over the list (a libadwaita leaflet, which takes the Back key
  // as its back arrow), started in the guest (the launcher's taps are
  // covered above).
  const started = await guest(id, "setsid -f phosh-mobile-settings >/dev/null 2>&1 </dev/null");
  assert.equal(started.code, 0, started.out);
  // Its list: the header bar (light) with no back arrow at its left, the
  // rows' icons (dark) down the left edge. A page: the back arrow.
  const light = ([r, g, b]) => r + g + b > 690;
  const ink = ([r, g, b]) => r + g + b < 300;
  const backArrow = [30, 90, 60, 128];
  const settingsList = () => {
    const fb = framebuffer(devdir);
    return share(fb, [0, 70, W, 150], light) > 0.8 && share(fb, backArrow, ink) < 0.005 &&
      share(fb, [20, 180, 70, 530], ink) > 0.03;
  };
  const settingsPage = () => {
    const fb = framebuffer(devdir);
    return share(fb, [0, 70, W, 150], light) > 0.7 && share(fb, backArrow, ink) > 0.03;
  };
  await eventually("Mobile Settings' list", settingsList, 30000);
  await settled(devdir, "Mobile Settings");
  await shot(devdir, "settings-list");
  // Its third row, Compositor.
  await gesture("a Mobile Settings page", () => tap(150, 356), settingsPage);
  await shot(devdir, "settings-page");
  await page.locator('button[title="Back"]').click();
  await eventually("the list after Back", settingsList, 15000);
  await settled(devdir, "the list");
  await shot(devdir, "settings-back");
  ok("the Back button goes back in an app (Mobile Settings' page to its list)");
} catch (e) {
  failed = true;
  console.error("FAIL:", e.stack || e);
  if (devdir) await shot(devdir, "failure");
} finally {
  if (browser) await browser.close();
  if (id && !process.env.KEEP) await cli("rm", "--force", id).catch(() => {});
  if (!process.env.KEEP) {
    daemon.child.kill("SIGTERM");
    await new Promise((r) => daemon.child.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
if (process.env.KEEP) console.log(`kept: ${dataDir} ${sock} ${id}`);
process.exit(failed ? 1 : 0);
