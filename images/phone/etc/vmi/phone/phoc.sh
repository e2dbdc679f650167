#!/bin/sh
# Runs the phone's compositor, phoc, nested on the instance's X server: its
# x11 backend opens one X window (the output) whose size is the screen's
# current size and whose scale follows the instance's DPI (160 dpi = 1).
# Phosh, the shell, is phoc's session (-E): when it exits phoc exits too and
# vmi-init restarts both.
set -eu
size=$(xrandr --current 2>/dev/null | sed -n 's/.* current \([0-9]*\) x \([0-9]*\),.*/\1x\2/p')
[ -n "$size" ] || size="${VMI_WIDTH:-720}x${VMI_HEIGHT:-1280}"
scale=$(awk -v d="${VMI_DPI:-320}" 'BEGIN { s = int(d / 160 * 4 + 0.5) / 4; if (s < 1) s = 1; print s }')
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
# The image's GSettings defaults (etc/dconf/db/vmi.d), compiled once per
# instance into its writable layer.
[ -e /etc/dconf/db/vmi ] || dconf compile /etc/dconf/db/vmi /etc/dconf/db/vmi.d
cat > "$XDG_RUNTIME_DIR/phoc.ini" <<INI
[core]
xwayland=${VMI_PHONE_XWAYLAND:-false}

[output:X11-1]
mode=$size
scale=$scale
INI
# Apps started through the app API (vmi-app start, from an exec whose
# environment has DISPLAY only) get what phosh's own launches get: the
# session's environment and phoc's Wayland socket.
{ export -p; echo "export WAYLAND_DISPLAY=wayland-0"; } > /run/vmi-app.env
exec phoc -C "$XDG_RUNTIME_DIR/phoc.ini" -E "/usr/libexec/phosh"
