/**
 * A `serve` that writes its session as MCAP (`record.mcapDir` = argv[2]) and is talked to without end:
 * the fake VAD hears a second of speech and a second of silence, again and again, so the file grows
 * while the parent test kills the process (SIGKILL) at a moment of its choosing. Prints `ready <file>`
 * once the first reply plays.
 */
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/vad/testing/fake-vad.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve } from '../../server/serve.js';
import { FAKE_ENGINES } from './fake-config.js';
import { DialogState } from '../../machines/states.js';

const RATE_HZ = 16_000;
const FRAME_MS = 20;
const config = loadConfig({
  overrides: { ...FAKE_ENGINES, server: { port: 0 }, record: { audio: true, mcapDir: process.argv[2]! } },
});
const server = await serve({ config, db: ':memory:', log: silentLogger });
await server.manager.create({ sessionId: 'robot-crash' });
const session = server.manager.get('robot-crash')!;
let frame = 0;
// Real time: one 20 ms frame every 20 ms; 50 frames of speech, then 50 of silence.
setInterval(() => {
  const speech = frame % 100 < 50;
  session.handle.pushAudio(
    speech ? makeSpeechFrame(RATE_HZ, FRAME_MS, frame) : makeSilenceFrame(RATE_HZ, FRAME_MS),
    RATE_HZ,
  );
  frame++;
}, FRAME_MS);
const ready = setInterval(() => {
  if (!session.handle.matches(DialogState.speaking)) return;
  clearInterval(ready);
  console.log(`ready ${server.mcap!.files()[0]!.file}`);
}, FRAME_MS);
