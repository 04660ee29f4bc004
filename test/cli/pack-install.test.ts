/**
 * The project as a user installs it: `npm pack`, then `npm install <tarball>` in an empty directory, then
 * the installed `voice-agent` binary (the compiled JavaScript, started through its launcher lines — no
 * tsx, no TypeScript) answers `--help`, speaks with `say` on the default local TTS, and serves.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_FLAG } from '../../server/young-generation.js';
import { until } from '../support/until.js';

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
    expect(readFileSync(join(app, 'node_modules', 'voice-agent', 'dist', 'bin', 'voice-agent.js'), 'utf8').split('\n')[1]).toContain(`exec node ${YOUNG_GENERATION_FLAG}`);

    const help = await run(bin, ['--help'], { cwd: app, env });
    expect(help.stdout).toMatch(/^ {2}serve +the server/m);
    const npx = await run('npx', ['--no-install', 'voice-agent', 'serve', '--help'], { cwd: app, env });
    expect(npx.stdout).toContain('usage: voice-agent serve');

    const said = await run(bin, ['say', 'Hello from the package.', '--out', join(app, 'hello.wav')], { cwd: app, env });
    expect(said.stdout).toMatch(/hello\.wav: \d+ ms at 16000 Hz by flite\(kal16\)/);
    expect(readFileSync(join(app, 'hello.wav')).subarray(0, 4).toString()).toBe('RIFF');

    // The installed command starts node with the young generation sized (its launcher lines, through sh):
    // serve, which warns when the flag is missing, has nothing to say. NODE_OPTIONS cleared, so only the
    // launcher can have passed it.
    const served = spawn(bin, ['serve', '--port', '0', '--db', ':memory:'], { cwd: app, env: { ...env, NODE_OPTIONS: '' } });
    let out = '';
    let err = '';
    served.stdout.on('data', (d: Buffer) => (out += d));
    served.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((resolve) => served.on('exit', (code) => resolve(code)));
    await until('the installed voice-agent serving', () => out.includes('voice-agent serving on') || served.exitCode !== null, { timeoutMs: 60_000, detail: () => err });
    served.kill('SIGTERM');
    expect(await exited, err).toBe(0);
    expect(err).toContain('"msg":"serving"');
    expect(err).not.toContain('young generation');

    // A usage error is exit code 2, from the installed binary too.
    await expect(run(bin, ['say', '--port=1'], { cwd: app, env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--port'") });
  }, 240_000);
});
