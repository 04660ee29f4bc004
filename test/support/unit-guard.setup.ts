// The unit tier does no I/O (test/tiers.ts): a socket or a child process started from a unit test
// throws, naming the fix, so a misplaced file fails at once instead of slowing the inner loop.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const refuse = (what: string) => () => {
  throw new Error(
    `a unit test ${what}: unit tests do no I/O. Import what makes it an integration test where test/tiers.ts can ` +
      `see it, or add a marker there.`,
  );
};

net.Server.prototype.listen = refuse('opened a server socket') as never;
net.Socket.prototype.connect = refuse('opened a socket') as never;
for (const name of ['spawn', 'exec', 'execFile', 'fork', 'spawnSync', 'execSync', 'execFileSync'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = refuse(`started a child process (${name})`);
}
syncBuiltinESMExports();
