// Builds the WebRTC audio processing binding (build/Release/webrtc_apm.node) with node-gyp, against
// Debian's libwebrtc-audio-processing-dev. npm's install step runs it with --optional: a machine without
// the library or a compiler still installs, and `audio.echoCanceller: "webrtc"` then says how to build it.
//
//   node native/webrtc-apm/build.mjs             build, or fail naming what is missing
//   node native/webrtc-apm/build.mjs --optional  build, or explain and exit 0
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const FIX =
  'apt-get install -y libwebrtc-audio-processing-dev g++ make python3 (bin/setup.sh does), then npm run ' +
  'build:webrtc-apm';

function give(reason) {
  console.error(
    `webrtc-apm: not built: ${reason}. Fix: ${FIX}. Until then audio.echoCanceller "webrtc" is unavailable ` +
      `("builtin" works).`,
  );
  process.exit(optional ? 0 : 1);
}

try {
  execFileSync('pkg-config', ['--exists', 'webrtc-audio-processing']);
} catch {
  give('pkg-config finds no webrtc-audio-processing (libwebrtc-audio-processing-dev)');
}
try {
  createRequire(join(here, 'binding.gyp')).resolve('node-addon-api');
} catch {
  give('the node-addon-api package is not installed beside it');
}
// npm passes its bundled node-gyp to scripts; run directly, find it next to npm itself.
const candidates = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath &&
    join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter(Boolean);
const nodeGyp = candidates.find((p) => existsSync(p));
if (!nodeGyp) give(`node-gyp not found (looked in ${candidates.join(', ')})`);
// Node's headers where Node is installed (Debian's nodejs ships them), so nothing is downloaded.
const prefix = join(dirname(process.execPath), '..');
const nodedir =
  process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [nodeGyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status !== 0) give(`node-gyp rebuild failed (exit ${result.status})`);
console.error('webrtc-apm: built native/webrtc-apm/build/Release/webrtc_apm.node');
