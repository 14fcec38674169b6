/** A JSON text as a value; text that is not JSON stays the text, absent or empty text is null. */
export function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
