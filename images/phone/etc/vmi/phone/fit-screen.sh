#!/bin/sh
# Keeps phoc's X window (its only output) as large as the X screen. The
# host rotates an instance by resizing the X screen through RandR; this
# resizes the window to match, and phoc's x11 backend turns the window's new
# size into a new output mode, so phosh lays itself out again.
set -u
# phoc's window has no name; it is the only top-level X window (apps are
# Wayland clients of phoc, not X clients of this server).
fit() {
  geometry=$(xdotool getdisplaygeometry 2>/dev/null) || return 0
  for win in $(xwininfo -root -children 2>/dev/null | sed -n 's/^ *\(0x[0-9a-f]*\) .*/\1/p'); do
    xdotool windowmove "$win" 0 0 windowsize "$win" $geometry 2>/dev/null || true
  done
}
fit
xev -root -event randr | while read -r line; do
  case $line in
    RRScreenChangeNotify*) fit ;;
  esac
done
