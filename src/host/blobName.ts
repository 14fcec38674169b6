/**
 * Whether a blob name can be put into a storage path as it is. Storage clients (and URL parsers) collapse
 * `.` and `..` segments, so a listed name such as `a/../../registry/x` (Azurite turns `\` into `/`)
 * would address a blob in another container: the host never builds a path (receipt, download, Uri)
 * from a name that fails this check.
 *
 * Kept deliberately strict: a name is unsafe when any of these could change what it addresses once
 * it goes through a client, a proxy or a decoder.
 */
export type BlobNameProblemCode =
  | 'BLOB_NAME_EMPTY'
  | 'BLOB_NAME_TOO_LONG'
  | 'BLOB_NAME_DOT_SEGMENT'
  | 'BLOB_NAME_BACKSLASH'
  | 'BLOB_NAME_CONTROL_CHAR'
  | 'BLOB_NAME_EMPTY_SEGMENT'
  | 'BLOB_NAME_ENCODED_SEPARATOR';

export interface BlobNameProblem {
  code: BlobNameProblemCode;
  message: string;
}

/** Azure's limit on blob names (characters). */
const MAX_LENGTH = 1024;

/** `%2e`, `%2f`, `%5c` (any case): decode to `.`, `/`, `\`, which some layer may decode once more. */
const ENCODED_SEPARATOR = /%(2e|2f|5c)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The first problem of a blob name, or undefined when it is safe to address by that name. */
export function blobNameProblem(name: string): BlobNameProblem | undefined {
  if (typeof name !== 'string' || name.length === 0) return { code: 'BLOB_NAME_EMPTY', message: 'the blob name is empty' };
  if (name.length > MAX_LENGTH) return { code: 'BLOB_NAME_TOO_LONG', message: `the blob name has ${name.length} characters (at most ${MAX_LENGTH})` };
  if (CONTROL.test(name)) return { code: 'BLOB_NAME_CONTROL_CHAR', message: 'the blob name contains a control character' };
  if (name.includes('\\')) return { code: 'BLOB_NAME_BACKSLASH', message: 'the blob name contains a backslash (storage reads it as a folder separator)' };
  if (ENCODED_SEPARATOR.test(name)) return { code: 'BLOB_NAME_ENCODED_SEPARATOR', message: 'the blob name contains a percent-encoded ".", "/" or "\\"' };
  const segments = name.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return { code: 'BLOB_NAME_DOT_SEGMENT', message: 'the blob name has a "." or ".." path segment' };
  if (segments.some((s) => s === '')) return { code: 'BLOB_NAME_EMPTY_SEGMENT', message: 'the blob name starts or ends with "/" or has "//"' };
  return undefined;
}

/** For logs: the name with control characters made visible and clipped. */
export function printableBlobName(name: string): string {
  const shown = JSON.stringify(String(name)).slice(1, -1);
  return shown.length <= 200 ? shown : `${shown.slice(0, 199)}…`;
}
