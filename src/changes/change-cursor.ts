/* A change report cursor is the address the page ended at, as an opaque base64url string. */

export function encodeChangeCursor(address: string): string {
  return Buffer.from(JSON.stringify([address])).toString('base64url');
}

/** The address, or null when `text` is not a cursor this server made. */
export function decodeChangeCursor(text: string): string | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' ? value[0] : null;
  } catch {
    return null;
  }
}
