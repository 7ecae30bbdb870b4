// A throw-away serving certificate for the fault proxy's TLS mode (127.0.0.1 and localhost only).
// Generated with the openssl CLI because Node has no X.509 builder; cached per process.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecked } from './processes.js';

export interface CertPair {
  cert: string;
  key: string;
}

let cached: Promise<CertPair> | undefined;

export function loopbackCertificate(): Promise<CertPair> {
  cached ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cert-'));
    try {
      await runChecked('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '7',
        '-subj',
        '/CN=gauntlet-fault-proxy',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ]);
      return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return cached;
}
