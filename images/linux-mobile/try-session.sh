#!/usr/bin/env bash
# Boots the linux-mobile session by hand, without the vmi daemon, the way an
# instance runs it: vmi-init as PID 1 in new user/mount/pid/net namespaces,
# guest uids 0-65535 mapped to unprivileged host uids 100000-165535, with NO
# capabilities at all and no setuid, host /usr and friends bound read-only,
# the device dir at /run/vmi. Writes a PNG of the framebuffer (if ImageMagick's convert exists).
#
#   images/linux-mobile/try-session.sh ROOTFS GUEST_KIT OUT_DIR [seconds|hold] [app...]
#
# "hold" keeps the session up until OUT_DIR/stop exists; meanwhile
# OUT_DIR/devdir.path names the live device directory (tests read it).
#
# Each extra "app" (e.g. xcalc) is added to the copied session manifest as a
# service started after the desktop, to see that the apps run in the guest.
#
# ROOTFS is an image's rootfs/ (e.g. /var/lib/vmi/images/linux-mobile/rootfs),
# GUEST_KIT the build's guest-kit/. Needs root (to copy the rootfs for uid
# 65534). Not a test: a tool to look at the session.
set -euo pipefail
rootfs_src=$1 kit=$2 out=$3 secs=${4:-6}
shift 4 || shift $#
apps=("$@")
image_json=$(dirname "$rootfs_src")/image.json
mkdir -p "$out"
work=$(mktemp -d /tmp/vmi-try.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cp -a "$rootfs_src" "$work/rootfs"
# The session's user namespace maps root to an unprivileged host uid, which
# may not be able to traverse the path of the build tree (a checkout under a
# 0700 directory): it gets a copy of the guest kit beside its rootfs.
cp -a "$kit" "$work/kit"
chmod 755 "$work/kit"
kit=$work/kit
mkdir -p "$work/dev/x11"
if [ ${#apps[@]} -gt 0 ]; then
  python3 - "$work/rootfs/etc/vmi/session.json" "${apps[@]}" <<'PY'
import json, sys
path, apps = sys.argv[1], sys.argv[2:]
m = json.load(open(path))
for i, a in enumerate(apps):
    m["services"].append({"name": "app%d-%s" % (i, a.split()[0]), "argv": ["sh", "-c", "sleep 2; exec " + a], "after": ["desktop"],
                          "restart": "never"})
json.dump(m, open(path, "w"), indent=2)
PY
fi
chown -R 100000:100000 "$work/rootfs" "$work/dev"
binds=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["host_binds"]))' "$image_json")

cat > "$work/boot.sh" <<'BOOT'
set -eu
R=$1 KIT=$2 DEV=$3; shift 3
mount --bind "$R" "$R"
for b in "$@"; do
  mount --bind "$b" "$R$b"
  mount -o remount,bind,ro "$R$b" 2>/dev/null || true
done
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=755 tmpfs "$R/dev"
for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mkdir -p "$R/tmp/.X11-unix"
mount --bind "$DEV/x11" "$R/tmp/.X11-unix"
mount -t tmpfs tmpfs "$R/run"
mkdir -p "$R/run/vmi"
mount --bind "$DEV" "$R/run/vmi"
mount --bind "$KIT" "$R/opt/vmi"
exec chroot "$R" /usr/bin/setpriv --inh-caps=-all --bounding-set=-all,+setuid,+setgid \
  /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin VMI_INSTANCE=try VMI_WIDTH=720 \
  VMI_HEIGHT=1280 VMI_DPI=320 VMI_DEVDIR=/run/vmi VMI_STOP_TIMEOUT_MS=3000 /opt/vmi/bin/vmi-init
BOOT
chmod 755 "$work/boot.sh"
mkfifo "$work/go"
chmod 666 "$work/go"
setpriv --reuid=100000 --regid=100000 --clear-groups \
  unshare --user --mount --pid --net --fork \
  sh -c 'read _ < "$0"; exec sh "$@"' "$work/go" "$work/boot.sh" "$work/rootfs" "$kit" "$work/dev" $binds \
  >"$out/console.log" 2>&1 &
runner=$!
until [ "$(readlink /proc/$runner/ns/user)" != "$(readlink /proc/self/ns/user)" ]; do sleep 0.01; done
echo "0 100000 65536" > /proc/$runner/uid_map
echo "0 100000 65536" > /proc/$runner/gid_map
echo go > "$work/go"
if [ "$secs" = hold ]; then
  echo "$work/dev" > "$out/devdir.path"
  until [ -e "$out/stop" ]; do
    sleep 0.1
    kill -0 "$runner" 2>/dev/null || break
  done
else
  sleep "$secs"
fi
cp "$work/dev/session.state" "$out/session.state" 2>/dev/null || true
cp "$work/dev/Xvfb_screen0" "$out/" 2>/dev/null || true
if command -v convert >/dev/null; then convert "xwd:$work/dev/Xvfb_screen0" "$out/screen.png" || true; fi
ls -la "$work/dev" "$work/dev/x11" > "$out/devdir.txt"
cp "$work/dev/"*.log "$out/" 2>/dev/null || true  # debugging output apps wrote to /run/vmi
# Stop the session: SIGTERM to vmi-init (the child of unshare).
init=$(cat /proc/$runner/task/*/children 2>/dev/null | tr ' ' '\n' | head -1)
unshare_pid=$(cat /proc/$init/task/*/children 2>/dev/null | tr ' ' '\n' | head -1 || true)
for p in $unshare_pid $init; do
  if grep -q vmi-init /proc/$p/cmdline 2>/dev/null; then kill -TERM "$p"; fi
done
wait "$runner" || true
echo "console: $out/console.log; state: $out/session.state; screen: $out/screen.png"
