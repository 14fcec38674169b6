/** Deployment keys: random, compared in constant time, never logged. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DeploymentKeys {
  primary: string;
  secondary: string;
}

export function generateKey(): string {
  return randomBytes(32).toString('base64url');
}

export function generateKeys(): DeploymentKeys {
  return { primary: generateKey(), secondary: generateKey() };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time check of an `Authorization: Bearer <key>` header against both keys. */
export function bearerMatches(header: string | undefined, keys: DeploymentKeys): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  // Hashing first gives equal-length buffers, so timingSafeEqual never leaks the key's length.
  const got = digest(m[1]);
  const a = timingSafeEqual(got, digest(keys.primary));
  const b = timingSafeEqual(got, digest(keys.secondary));
  return a || b;
}
