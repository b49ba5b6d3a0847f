/** Hex ↔ bytes for PDUs (upper case out, either case in). */

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** Parses hex; returns null when the input has a non-hex character or an odd length. */
export function parseHex(text: string): Uint8Array | null {
  const compact = text.trim();
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(compact)) return null;
  return Uint8Array.from(Buffer.from(compact, 'hex'));
}
