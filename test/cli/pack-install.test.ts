/**
 * The project as a user installs it: `npm pack`, then `npm install <tarball>` in an empty directory, then
 * the installed `voice-agent` binary (the compiled JavaScript, with its shebang — no tsx, no TypeScript)
 * answers `--help` and speaks with `say` on the default local TTS.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_FLAG } from '../../server/young-generation.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'va-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// onnxruntime-node's install script downloads a binary (no internet here); the project never needs it.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false' };

describe('npm pack and install', () => {
  it('installs from the tarball and runs voice-agent --help and say', async () => {
    const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--json'], { env, maxBuffer: 64 * 1024 * 1024 });
    const tarball = join(dir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
    const app = join(dir, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // --prefer-offline: the dependencies are already in npm's cache from this checkout's install.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env, maxBuffer: 64 * 1024 * 1024 });
    const bin = join(app, 'node_modules', '.bin', 'voice-agent');
    expect(existsSync(bin)).toBe(true);
    // The shebang sizes V8's young generation (server/young-generation.ts): `env -S` splits node's flag off.
    expect(readFileSync(join(app, 'node_modules', 'voice-agent', 'dist', 'bin', 'voice-agent.js'), 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${YOUNG_GENERATION_FLAG}`);

    const help = await run(bin, ['--help'], { cwd: app, env });
    expect(help.stdout).toMatch(/^ {2}serve +the server/m);
    const npx = await run('npx', ['--no-install', 'voice-agent', 'serve', '--help'], { cwd: app, env });
    expect(npx.stdout).toContain('usage: voice-agent serve');

    const said = await run(bin, ['say', 'Hello from the package.', '--out', join(app, 'hello.wav')], { cwd: app, env });
    expect(said.stdout).toMatch(/hello\.wav: \d+ ms at 16000 Hz by flite\(kal16\)/);
    expect(readFileSync(join(app, 'hello.wav')).subarray(0, 4).toString()).toBe('RIFF');

    // A usage error is exit code 2, from the installed binary too.
    await expect(run(bin, ['say', '--port=1'], { cwd: app, env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--port'") });
  }, 240_000);
});
