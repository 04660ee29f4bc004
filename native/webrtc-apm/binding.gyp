# WebRTC's audio processing (Debian libwebrtc-audio-processing-dev 0.3, the library PulseAudio's
# module-echo-cancel uses) for adapters/audio/webrtc-echo.ts. Built by `node install.mjs` (npm's install step).
{
  "targets": [
    {
      "target_name": "webrtc_apm",
      "sources": ["src/webrtc_apm.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags_cc": ["<!@(pkg-config --cflags webrtc-audio-processing)", "-std=c++17", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["<!@(pkg-config --libs webrtc-audio-processing)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"]
    }
  ]
}
