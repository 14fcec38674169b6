/**
 * Recognises the text encodings a CSV export commonly comes in besides UTF-8 (Excel's "Unicode text" is
 * UTF-16 LE), so that the rejection names the encoding instead of calling the file binary: their
 * ASCII characters carry NUL bytes. By byte-order mark, or, without one, by the NUL pattern of ASCII
 * text (every other byte NUL at the same parity).
 */
export type ForeignEncoding = 'UTF-16LE' | 'UTF-16BE' | 'UTF-32LE' | 'UTF-32BE';

export function detectForeignEncoding(b: Uint8Array): { encoding: ForeignEncoding; bom: boolean } | undefined {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return { encoding: 'UTF-32LE', bom: true };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'UTF-32BE', bom: true };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'UTF-16LE', bom: true };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'UTF-16BE', bom: true };
  const n = Math.min(b.length, 4000) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  // ASCII text in UTF-16: (nearly) every high byte is NUL, (nearly) no low byte is.
  if (oddNul >= pairs * 0.9 && evenNul <= pairs * 0.05) return { encoding: 'UTF-16LE', bom: false };
  if (evenNul >= pairs * 0.9 && oddNul <= pairs * 0.05) return { encoding: 'UTF-16BE', bom: false };
  return undefined;
}
