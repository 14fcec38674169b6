/** Blob trigger path patterns (`container/{name}`, `in/{folder}/{file}.csv`) and their binding data. */
import { HostError } from './coreApi';

export interface BlobPathPattern {
  container: string;
  /** Matches the blob name; groups are the parameters in `params` order. */
  regex: RegExp;
  params: string[];
}

export function parseBlobPath(path: string): BlobPathPattern {
  const clean = String(path ?? '').replace(/^\/+/, '');
  const slash = clean.indexOf('/');
  const container = slash < 0 ? clean : clean.slice(0, slash);
  const blobPattern = slash < 0 ? '' : clean.slice(slash + 1);
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
    throw new HostError(
      'HOST_BAD_BLOB_PATH',
      `Blob trigger path "${path}": "${container}" is not a valid container name (no binding expressions in the container).`,
    );
  }
  const params: string[] = [];
  let re = '';
  let i = 0;
  while (i < blobPattern.length) {
    const ch = blobPattern[i];
    if (ch === '{') {
      const end = blobPattern.indexOf('}', i);
      if (end < 0) throw new HostError('HOST_BAD_BLOB_PATH', `Blob trigger path "${path}": unclosed "{".`);
      const name = blobPattern.slice(i + 1, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new HostError('HOST_BAD_BLOB_PATH', `Blob trigger path "${path}": bad parameter "${name}".`);
      params.push(name);
      // A parameter may span virtual folders, as in the Storage extension; [^] is any character, newlines
      // included, so that a name with control characters still triggers (and is rejected by the app).
      re += '([^]+)';
      i = end + 1;
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  // No blob part: every blob of the container matches.
  return { container, regex: new RegExp(`^${blobPattern === '' ? '[^]+' : re}$`), params };
}

/** Binding data for a blob name, or undefined when the name does not match the pattern. */
export function matchBlobPath(p: BlobPathPattern, blobName: string): Record<string, string> | undefined {
  const m = p.regex.exec(blobName);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  p.params.forEach((name, k) => (out[name] = m[k + 1]));
  return out;
}
