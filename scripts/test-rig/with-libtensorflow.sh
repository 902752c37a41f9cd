#!/usr/bin/env bash
# TEST RIG — for development machines and CI without internet. Users never need this: on their machines
# `npm ci` downloads libtensorflow 2.9.1 for @tensorflow/tfjs-node(-gpu) as usual.
#
#   scripts/test-rig/with-libtensorflow.sh COMMAND [ARG ...]     e.g.  … npm ci
#
# Runs COMMAND with the tfjs-node install scripts pointed at a libtensorflow served on 127.0.0.1, built
# from the TensorFlow C library inside a `tensorflow-cpu` wheel that pip can resolve (the TF C API is
# stable across 2.x, so the 2.9.1-era binding compiles against it unchanged):
#   - lib/: libtensorflow_cc.so.2 + libtensorflow_framework.so.2, with the names the binding links;
#   - include/: the C-API headers the binding's sources include;
#   - served as libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz (tfjs-node) and, the same CPU library, as
#     libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz (tfjs-node-gpu: a binding that loads and finds no GPU).
# The tarball is cached in $PWB_RIG_CACHE (default ~/.cache/pruning-workbench-test-rig). Where no wheel
# can be had, COMMAND runs unchanged and the native packages stay uninstalled: the tensorflow-backend
# tests then report themselves skipped. The exit status is COMMAND's.
set -uo pipefail

cache=${PWB_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pruning-workbench-test-rig}
tarball=$cache/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz
say() { echo "test-rig: $*" >&2; }

build_tarball() {
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { say "only Linux x86-64 is supported"; return 1; }
  command -v python3 >/dev/null || { say "python3 not found"; return 1; }
  local work wheel
  work=$(mktemp -d) || return 1
  trap 'rm -rf "$work"' RETURN
  say "resolving a tensorflow-cpu wheel with pip (one-time; cached in $cache)"
  if ! python3 -m pip download -q --no-deps --only-binary=:all: -d "$work/wheel" tensorflow-cpu >&2; then
    say "pip found no tensorflow-cpu wheel"; return 1
  fi
  wheel=$(ls "$work"/wheel/tensorflow_cpu-*.whl 2>/dev/null | head -1)
  [ -n "$wheel" ] || { say "pip found no tensorflow-cpu wheel"; return 1; }
  say "extracting the C library from $(basename "$wheel")"
  python3 - "$wheel" "$work/stage" <<'PY' || return 1
import os, sys, zipfile
wheel, stage = sys.argv[1], sys.argv[2]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
# The headers the binding's sources reach (g++ -M closure), by prefix under tensorflow/include/.
headers = ('tensorflow/c/', 'tensorflow/core/platform/ctstring', 'tsl/platform/ctstring', 'xla/tsl/c/',
           'tensorflow/compiler/xla/tsl/c/', 'tensorflow/tsl/platform/ctstring')
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith('/'):
            continue
        if name in libs:
            dest = os.path.join(stage, 'lib', os.path.basename(name))
        elif name.startswith('tensorflow/include/') and name[len('tensorflow/include/'):].startswith(headers):
            dest = os.path.join(stage, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, 'wb') as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
missing = [l for l in libs if not os.path.exists(os.path.join(stage, 'lib', os.path.basename(l)))]
if missing:
    sys.exit(f'test-rig: the wheel lacks {missing}')
PY
  (cd "$work/stage/lib" && ln -s libtensorflow_cc.so.2 libtensorflow.so && ln -s libtensorflow_cc.so.2 libtensorflow.so.2.9.1 &&
    ln -s libtensorflow_framework.so.2 libtensorflow_framework.so) || return 1
  mkdir -p "$cache" || return 1
  # Uncompressed (node-tar reads it all the same): compressing 850 MB would cost a minute for nothing.
  tar -C "$work/stage" -cf "$tarball.part" lib include && mv "$tarball.part" "$tarball" || return 1
  basename "$wheel" >"$cache/source-wheel.txt"
}

if [ $# -eq 0 ]; then echo "usage: $0 COMMAND [ARG ...]" >&2; exit 2; fi

if [ ! -s "$tarball" ] && ! build_tarball; then
  say "no libtensorflow to serve: running '$*' without it (tensorflow-backend tests will be skipped)"
  exec "$@"
fi
ln -sf "$(basename "$tarball")" "$cache/libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz"

# A loopback file server on a free port; it prints the port, then serves until killed.
portfile=$(mktemp)
python3 - "$cache" "$portfile" <<'PY' >/dev/null 2>&1 &
import functools, http.server, sys
root, portfile = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
with open(portfile, 'w') as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -f "$portfile"' EXIT
for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
[ -s "$portfile" ] || { say "the file server did not start"; exit 1; }

export TFJS_NODE_BASE_URI="http://127.0.0.1:$(cat "$portfile")/libtensorflow-"
# node-gyp compiles the binding (the prebuilt-addon download fails offline) against Node-API headers;
# any Node's headers will do for an N-API addon: the system Node's, unless npm is told otherwise.
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$(dirname "$(command -v node)")/../include/node/node_api.h" ]; then
  export npm_config_nodedir=$(cd "$(dirname "$(command -v node)")/.." && pwd)
fi
say "serving libtensorflow from $(cat "$cache/source-wheel.txt" 2>/dev/null) at $TFJS_NODE_BASE_URI"
"$@"
