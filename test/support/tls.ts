/**
 * A throw-away TLS certificate for 127.0.0.1 (openssl, valid one day), for tests of `wss://` and
 * `https://`: the OpenAI Realtime client always dials `wss`, so the server under test serves TLS and the
 * client trusts this certificate as its CA.
 *
 * @example
 * ```ts
 * const tls = makeTestCertificate();
 * const config = loadConfig({ overrides: { server: { tls: { certPath: tls.certPath, keyPath: tls.keyPath } } } });
 * new OpenAIRealtimeWS({ model: 'voice-agent', options: { ca: tls.ca } }, client);
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  certPath: string;
  keyPath: string;
  /** The certificate itself, to pass as the client's `ca`. */
  ca: Buffer;
}

export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'va-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { certPath, keyPath, ca: readFileSync(certPath) };
}
