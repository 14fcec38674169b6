import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TlsFiles {
  keyFile: string;
  /** Self-signed: also the CA file clients trust (NODE_EXTRA_CA_CERTS, or `ca` in process). */
  certFile: string;
}

/**
 * A self-signed certificate for 127.0.0.1 / localhost, made with openssl (the SDK refuses bearer tokens
 * over plain http). An existing pair in `dir` is reused, so a restarted emulator keeps the certificate
 * its clients already trust.
 */
export function ensureCertificate(dir: string, hostnames: readonly string[] = []): TlsFiles {
  fs.mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) return { keyFile, certFile };
  const san = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:*.localhost', ...hostnames.map((h) => `DNS:${h}`)].join(',');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '30',
      '-subj',
      '/CN=azureml-emulator',
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile };
}
