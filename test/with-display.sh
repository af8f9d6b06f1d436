#!/usr/bin/env bash
# Runs a command with an X display, which the gpujs-headlessgl backend needs (headless-gl).
# On a machine without one it starts a virtual display with xvfb-run (apt-get install xvfb).
# With neither, the command still runs, and the gpujs-headlessgl tests fail with a
# BackendError that says what is missing: a missing GPU stack must never pass quietly.
if [ -n "${DISPLAY:-}" ]; then exec "$@"; fi
if command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a --server-args='-screen 0 1024x768x24' "$@"
fi
echo "with-display: no DISPLAY and no xvfb-run (apt-get install xvfb); gpujs-headlessgl will fail" >&2
exec "$@"
