import type { IncomingHttpHeaders } from 'node:http';
import { armErrors } from './errors';

/**
 * ARM's bearer check. Any non-empty token passes unless `acceptedTokens` is set (then only those do),
 * so a test can prove both that the SDK sends the credential's token and what a refused one looks like.
 */
export function checkBearer(headers: IncomingHttpHeaders, acceptedTokens?: readonly string[]): string {
  const h = headers.authorization;
  if (!h) throw armErrors.unauthenticated();
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw armErrors.invalidToken();
  if (acceptedTokens && !acceptedTokens.includes(m[1])) throw armErrors.invalidToken();
  return m[1];
}
