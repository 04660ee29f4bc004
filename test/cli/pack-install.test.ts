/**
 * The project as a user installs it: `npm pack`, then `npm install <tarball>` in an empty directory, then the installed
 * `voice-agent` binary (the compiled JavaScript, started through its launcher lines — no tsx, no TypeScript), installed
 * without the optional engines' packages (`--omit=optional`), answers `--help`, speaks with `say` on the default local
 * TTS, and serves; and the library: examples/robot-controller.ts, as shipped, type-checks against the installed
 * package's types and runs, while a deep import of an internal module is refused by the package's `exports`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_FLAG } from '../../server/young-generation.js';
import { until } from '../support/until.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'va-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// onnxruntime-node's install script would fetch GPU libraries from outside the npm registry; a user skips it the same
// way.
const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', ONNXRUNTIME_NODE_INSTALL: 'skip' };

const app = join(dir, 'app');
/** This checkout's TypeScript and Node types: the app has neither installed, as a user's might not. */
const TSC = resolve('node_modules/typescript/bin/tsc');
const TYPE_ROOTS = resolve('node_modules/@types');

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--json'], {
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const tarball = join(dir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  await run('mkdir', ['-p', app]);
  // better-sqlite3 compiles from source where prebuild-install cannot download its binary (a minute of a
  // 2-core machine's install): the app depends on this checkout's version, and prebuild-install finds this
  // checkout's build as the local prebuild it would otherwise have downloaded (`.prebuild-installrc`).
  const sqlite = (JSON.parse(readFileSync('node_modules/better-sqlite3/package.json', 'utf8')) as { version: string })
    .version;
  const prebuilds = join(dir, 'prebuilds');
  await run('mkdir', ['-p', prebuilds]);
  const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  const binary = `better-sqlite3-v${sqlite}-${abi}.tar.gz`;
  await run('tar', [
    '-czf',
    join(prebuilds, binary),
    '-C',
    'node_modules/better-sqlite3',
    'build/Release/better_sqlite3.node',
  ]);
  writeFileSync(join(app, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'better-sqlite3': sqlite } }),
  );
  // --prefer-offline: the dependencies are already in npm's cache from this checkout's install.
  // --omit=optional: the default engines must need none of the optional ones' packages.
  await run('npm', ['install', '--prefer-offline', '--omit=optional', '--no-audit', '--no-fund', tarball], {
    cwd: app,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
}, 900_000);

describe('npm pack and install', () => {
  it('installs from the tarball and runs voice-agent --help and say', async () => {
    const bin = join(app, 'node_modules', '.bin', 'voice-agent');
    expect(existsSync(bin)).toBe(true);
    for (const left of ['openai', 'msedge-tts', 'sherpa-onnx-node'])
      expect(existsSync(join(app, 'node_modules', left)), left).toBe(false);
    // The learned keyword heads' runtime is no option: the emergency stop listens with them by default.
    expect(existsSync(join(app, 'node_modules', 'onnxruntime-node'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'voice-agent', 'heads', 'stop.onnx'))).toBe(true);
    expect(
      readFileSync(join(app, 'node_modules', 'voice-agent', 'dist', 'bin', 'voice-agent.js'), 'utf8').split('\n')[1],
    ).toContain(`exec node ${YOUNG_GENERATION_FLAG}`);

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
    const served = spawn(bin, ['serve', '--port', '0', '--db', ':memory:'], {
      cwd: app,
      env: { ...env, NODE_OPTIONS: '' },
    });
    let out = '';
    let err = '';
    served.stdout.on('data', (d: Buffer) => (out += d));
    served.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((resolve) => served.on('exit', (code) => resolve(code)));
    await until(
      'the installed voice-agent serving',
      () => out.includes('voice-agent serving on') || served.exitCode !== null,
      {
        timeoutMs: 60_000,
        detail: () => err,
      },
    );
    served.kill('SIGTERM');
    expect(await exited, err).toBe(0);
    expect(err).toContain('"msg":"serving"');
    expect(err).not.toContain('young generation');

    // A usage error is exit code 2, from the installed binary too.
    await expect(run(bin, ['say', '--port=1'], { cwd: app, env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--port'"),
    });
  }, 120_000);

  it(
    'the library example type-checks against the installed package and runs; internal modules are not ' + 'exported',
    async () => {
      // The example as the package ships it, compiled by a user's tsconfig: strict, NodeNext, the package's own types.
      const example = readFileSync(join(app, 'node_modules', 'voice-agent', 'examples', 'robot-controller.ts'), 'utf8');
      expect(example).toContain("from 'voice-agent'");
      writeFileSync(join(app, 'robot-controller.ts'), example);
      const compilerOptions = {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [TYPE_ROOTS],
        outDir: 'out',
      };
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['robot-controller.ts'] }));
      const compiled = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app, env }).catch(
        (error: { stdout?: string }) => ({
          stdout: `tsc failed:\n${error.stdout}`,
        }),
      );
      expect(compiled.stdout).toBe('');

      const ran = await run(process.execPath, [join('out', 'robot-controller.js')], { cwd: app, env, timeout: 60_000 });
      expect(ran.stdout).toMatch(/action\.request a1 turn \{"direction":"left","degrees":90\}/);
      expect(ran.stdout).toMatch(/action\.result a1 \{"headingDeg":90\}/);
      expect(ran.stdout).toContain('assistant "Turned left, heading 90 degrees."');
      expect(ran.stdout).toMatch(/robot: move stopped at x=\S+ m \(cancelled: estop\)/);
      expect(ran.stdout).toMatch(/done: the robot is at x=/);

      // The public entry points load; an internal module is refused by `exports` at run time.
      const entry =
        "const lib = await import('voice-agent'); const testing = await import('voice-agent/testing'); " +
        'console.log(typeof lib.createAgent, typeof testing.fakeEngines)';
      expect((await run(process.execPath, ['--input-type=module', '-e', entry], { cwd: app, env })).stdout.trim()).toBe(
        'function function',
      );
      await expect(
        run(
          process.execPath,
          ['--input-type=module', '-e', "await import('voice-agent/dist/runtime/session-host.js')"],
          { cwd: app, env },
        ),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('ERR_PACKAGE_PATH_NOT_EXPORTED') });
      await expect(
        run(process.execPath, ['--input-type=module', '-e', "await import('voice-agent/runtime/session-host.js')"], {
          cwd: app,
          env,
        }),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('ERR_PACKAGE_PATH_NOT_EXPORTED') });
      // For the compiler too, in one run: the deep import is not found, and a type error in a user's program
      // is caught against the package's types (the check can fail).
      writeFileSync(
        join(app, 'deep.ts'),
        "import { startSession } from 'voice-agent/dist/runtime/session-host.js';\nconsole.log(startSession);\n",
      );
      writeFileSync(
        join(app, 'wrong.ts'),
        "import { createAgent } from 'voice-agent';\ncreateAgent().on('notice', (n) => n.code === 'no_such_code');\n",
      );
      writeFileSync(
        join(app, 'tsconfig.wrong.json'),
        JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, files: ['deep.ts', 'wrong.ts'] }),
      );
      const refused = await run(process.execPath, [TSC, '-p', 'tsconfig.wrong.json'], { cwd: app, env }).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? '',
      );
      expect(refused).toMatch(/deep\.ts.*TS2307/);
      expect(refused).toMatch(/wrong\.ts.*TS2367/);
    },
    120_000,
  );
});
