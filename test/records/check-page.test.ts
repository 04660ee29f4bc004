/**
 * `voice-agent check` on a session of the browser page: the page (web/) in headless Chromium speaks the
 * Realtime socket protocol to `serve` (the same `/v1/realtime` entry as any Realtime client), with a fake
 * microphone playing flite's "hello robot", then "go to the kitchen" over the reply. Recorded with
 * `record.audio` and checked: every decision is the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve } from '../../server/serve.js';
import { CONVERSATION, launchChromium, openPage, waitForHook, writeConversationWav } from '../../sim/page-browser.js';
import { expectSameDecisions, runCheck } from '../support/check-command.js';

const dir = mkdtempSync(join(tmpdir(), 'va-check-page-'));
const db = join(dir, 'rec.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const recording = await writeConversationWav(join(dir, 'microphone.wav'));
  const server = await serve({
    config: loadConfig({ overrides: { record: { audio: true }, server: { port: 0 } } }),
    db,
    log: silentLogger,
  });
  const browser = await launchChromium({ microphoneWav: recording.path });
  try {
    const page = await openPage(browser, server.http.url);
    await page.click('#connect');
    await waitForHook(
      page,
      'the question transcribed',
      (h) => h.transcript.some((e) => e.role === 'user' && e.text === CONVERSATION.question),
      30_000,
    );
    await waitForHook(
      page,
      'the command over the reply transcribed',
      (h) => h.transcript.some((e) => e.role === 'user' && e.text === CONVERSATION.bargeIn),
      30_000,
    );
    await sleep(1500);
    await page.close();
    await sleep(300);
  } finally {
    await browser.close();
    await server.stop();
  }
}, 90_000);

describe('voice-agent check on a session of the browser page', () => {
  it('the page over the Realtime socket, a command over the reply: 0 differences', async () => {
    const checked = await runCheck([db]);
    console.log(checked.stdout);
    expectSameDecisions(checked);
  }, 60_000);
});
