/** User Data Header information elements (3GPP TS 23.040 §9.2.3.24). */
import { hex } from './hex.ts';

export const IEI_CONCAT_8 = 0x00;
export const IEI_PORTS_8 = 0x04;
export const IEI_PORTS_16 = 0x05;
export const IEI_CONCAT_16 = 0x08;
export const IEI_SINGLE_SHIFT = 0x24;
export const IEI_LOCKING_SHIFT = 0x25;

export interface UdhElement {
  iei: number;
  /** The element's data octets as hex. */
  data: string;
  /** Concatenation (IEI 0x00 / 0x08). */
  concat_ref?: number;
  concat_parts?: number;
  concat_seq?: number;
  /** Application ports (IEI 0x04 / 0x05). */
  port_dest?: number;
  port_src?: number;
  /** National language shift table identifier (IEI 0x24 / 0x25). */
  language?: number;
}

export interface ConcatInfo {
  ref: number;
  parts: number;
  seq: number;
  /** 8 or 16 bit reference. */
  refBits: 8 | 16;
}

/** Parses the header octets (without the UDHL octet); malformed elements are reported, not thrown. */
export function parseUdh(header: Uint8Array, errors: string[]): UdhElement[] {
  const out: UdhElement[] = [];
  let i = 0;
  while (i < header.length) {
    const iei = header[i]!;
    const len = header[i + 1];
    if (len === undefined || i + 2 + len > header.length) {
      errors.push(`bad UDH: element 0x${iei.toString(16)} runs past the header`);
      break;
    }
    const d = header.subarray(i + 2, i + 2 + len);
    const el: UdhElement = { iei, data: hex(d) };
    if (iei === IEI_CONCAT_8 && len === 3) {
      el.concat_ref = d[0]!;
      el.concat_parts = d[1]!;
      el.concat_seq = d[2]!;
    } else if (iei === IEI_CONCAT_16 && len === 4) {
      el.concat_ref = (d[0]! << 8) | d[1]!;
      el.concat_parts = d[2]!;
      el.concat_seq = d[3]!;
    } else if (iei === IEI_PORTS_8 && len === 2) {
      el.port_dest = d[0]!;
      el.port_src = d[1]!;
    } else if (iei === IEI_PORTS_16 && len === 4) {
      el.port_dest = (d[0]! << 8) | d[1]!;
      el.port_src = (d[2]! << 8) | d[3]!;
    } else if ((iei === IEI_SINGLE_SHIFT || iei === IEI_LOCKING_SHIFT) && len === 1) {
      el.language = d[0]!;
    } else if (iei === IEI_CONCAT_8 || iei === IEI_CONCAT_16) {
      errors.push(`bad UDH: concatenation element with length ${len}`);
    }
    out.push(el);
    i += 2 + len;
  }
  return out;
}

/** The concatenation element of a header, when it is usable (parts ≥ 1, 1 ≤ seq ≤ parts). */
export function concatOf(udh: readonly UdhElement[]): ConcatInfo | undefined {
  for (const el of udh) {
    if (el.concat_ref === undefined || el.concat_parts === undefined || el.concat_seq === undefined) continue;
    if (el.concat_parts < 1 || el.concat_seq < 1 || el.concat_seq > el.concat_parts) continue;
    return {
      ref: el.concat_ref,
      parts: el.concat_parts,
      seq: el.concat_seq,
      refBits: el.iei === IEI_CONCAT_16 ? 16 : 8,
    };
  }
  return undefined;
}

/** Builds header octets (without UDHL) for a segment. */
export function buildUdh(options: {
  concat?: { ref: number; parts: number; seq: number; refBits: 8 | 16 };
  singleShiftLanguage?: number;
}): Uint8Array {
  const bytes: number[] = [];
  const c = options.concat;
  if (c) {
    if (c.refBits === 16) bytes.push(IEI_CONCAT_16, 4, (c.ref >> 8) & 0xff, c.ref & 0xff, c.parts, c.seq);
    else bytes.push(IEI_CONCAT_8, 3, c.ref & 0xff, c.parts, c.seq);
  }
  if (options.singleShiftLanguage) bytes.push(IEI_SINGLE_SHIFT, 1, options.singleShiftLanguage);
  return Uint8Array.from(bytes);
}
