/**
 * Jitter traces: CSV rows `seq,rtp_ts,arrival_ms`, one per received packet,
 * in arrival order, 8 kHz timestamps (one packet = one frame). Lost packets
 * are absent. A header row naming the columns is accepted.
 */
import { LinegateError } from '../../../drivers/base/errors.ts';

export interface TracePacket {
  /** 16-bit RTP sequence number. */
  seq: number;
  /** 32-bit RTP timestamp. */
  rtpTs: number;
  arrivalMs: number;
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** Parses a trace; throws LinegateError('BAD_REQUEST') naming the first bad line. */
export function parseTraceCsv(text: string): TracePacket[] {
  const rows: TracePacket[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const lineNo = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (rows.length === 0 && cells[0]?.toLowerCase() === 'seq') {
      if (cells.join(',').toLowerCase() !== 'seq,rtp_ts,arrival_ms') {
        throw bad(lineNo, `header must be seq,rtp_ts,arrival_ms, got "${line}"`);
      }
      return;
    }
    if (cells.length !== 3)
      throw bad(lineNo, `expected 3 columns (seq,rtp_ts,arrival_ms), got ${cells.length}`);
    const [seqText, tsText, arrivalText] = cells as [string, string, string];
    if (!INTEGER.test(seqText)) throw bad(lineNo, `seq "${seqText}" is not an integer`);
    if (!INTEGER.test(tsText)) throw bad(lineNo, `rtp_ts "${tsText}" is not an integer`);
    if (!NUMBER.test(arrivalText)) throw bad(lineNo, `arrival_ms "${arrivalText}" is not a number`);
    const seq = Number(seqText);
    const rtpTs = Number(tsText);
    const arrivalMs = Number(arrivalText);
    if (seq < 0 || seq > 0xffff) throw bad(lineNo, `seq ${seq} is outside 0..65535`);
    if (rtpTs < 0 || rtpTs > 0xffffffff) throw bad(lineNo, `rtp_ts ${rtpTs} is outside 0..4294967295`);
    const previous = rows[rows.length - 1];
    if (previous && arrivalMs < previous.arrivalMs) {
      throw bad(
        lineNo,
        `arrival_ms ${arrivalMs} goes back in time (previous ${previous.arrivalMs}); rows must be in arrival order`,
      );
    }
    rows.push({ seq, rtpTs, arrivalMs });
  });
  if (rows.length === 0) throw new LinegateError('BAD_REQUEST', 'trace has no packets');
  return rows;
}

export function formatTraceCsv(packets: readonly TracePacket[]): string {
  const lines = ['seq,rtp_ts,arrival_ms'];
  for (const p of packets) lines.push(`${p.seq},${p.rtpTs},${Math.round(p.arrivalMs * 1000) / 1000}`);
  return `${lines.join('\n')}\n`;
}

function bad(lineNo: number, what: string): LinegateError {
  return new LinegateError('BAD_REQUEST', `trace line ${lineNo}: ${what}`, { details: { line: lineNo } });
}
