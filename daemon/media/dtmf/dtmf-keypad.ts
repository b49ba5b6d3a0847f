/** The DTMF keypad: row = low-group tone, column = high-group tone. */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const;
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const;
export const DTMF_KEYS = ['123A', '456B', '789C', '*0#D'] as const;

export type DtmfDigit =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | '*'
  | '#'
  | 'A'
  | 'B'
  | 'C'
  | 'D';

export function isDtmfDigit(ch: string): ch is DtmfDigit {
  return ch.length === 1 && '0123456789*#ABCD'.includes(ch);
}

/** The two frequencies of a key, or null for a character that is not a DTMF key. */
export function dtmfFrequencies(digit: string): { lowHz: number; highHz: number } | null {
  const key = digit.toUpperCase();
  for (let row = 0; row < 4; row++) {
    const col = DTMF_KEYS[row]!.indexOf(key);
    if (col >= 0 && key.length === 1) return { lowHz: DTMF_LOW_HZ[row]!, highHz: DTMF_HIGH_HZ[col]! };
  }
  return null;
}

export function dtmfDigitAt(row: number, col: number): DtmfDigit {
  return DTMF_KEYS[row]![col]! as DtmfDigit;
}
