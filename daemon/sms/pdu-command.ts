/** `linegate pdu decode HEX` and `linegate pdu encode --to N --text T` (the CLI contract). */
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from '../cli/command.ts';
import { decodePdu } from './pdu/decode.ts';
import { encodeSubmit } from './pdu/encode.ts';
import { normaliseNumber } from './pdu/fields.ts';

const USAGE = `Usage:
  linegate pdu decode HEX
      Print the decoded PDU (SMSC prefix first, as modems show it) as JSON:
      type, smsc, number, text, encoding, time, udh, status (reports) and errors.
      Exit 1 with a message when the PDU is malformed (the JSON still shows what could be read).
  linegate pdu encode --to NUMBER --text TEXT [--smsc NUMBER] [--report] [--flash]
                      [--validity SECONDS] [--national-shift]
      Print a JSON array of SMS-SUBMIT PDU hex strings, one per segment.
  linegate pdu --help
`;

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

function decodeCommand(args: string[], io: CliIo): number {
  if (args.length !== 1 || !args[0]) {
    write(io.stderr, 'pdu decode: expected exactly one HEX argument\n' + USAGE);
    return 2;
  }
  const d = decodePdu(args[0]);
  const json: Record<string, unknown> = {
    type: d.type,
    smsc: d.smsc,
    number: d.number,
    text: d.text,
    encoding: d.encoding,
    time: d.time,
    udh: d.udh,
  };
  if (d.type === 'SMS-STATUS-REPORT') {
    json.status = d.status ?? null;
    json.statusCategory = d.statusCategory ?? null;
    json.discharge = d.discharge ?? null;
  }
  if (d.reference !== undefined) json.reference = d.reference;
  if (d.dcs !== undefined) json.dcs = d.dcs;
  if (d.pid !== undefined) json.pid = d.pid;
  if (d.messageClass !== undefined) json.class = d.messageClass;
  if (d.statusReportRequested !== undefined) json.statusReportRequested = d.statusReportRequested;
  if (d.validityRelativeSeconds !== undefined) json.validitySeconds = d.validityRelativeSeconds;
  if (d.validityAbsolute !== undefined) json.validityAbsolute = d.validityAbsolute;
  if (d.data !== undefined) json.data = d.data;
  json.errors = d.errors;
  if (d.errors.length > 0) {
    if (!d.fatal) write(io.stdout, JSON.stringify(json, null, 2));
    write(io.stderr, `pdu decode: malformed PDU: ${d.errors.join('; ')}`);
    return 1;
  }
  write(io.stdout, JSON.stringify(json, null, 2));
  return 0;
}

function encodeCommand(args: string[], io: CliIo): number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        to: { type: 'string' },
        text: { type: 'string' },
        smsc: { type: 'string' },
        report: { type: 'boolean' },
        flash: { type: 'boolean' },
        validity: { type: 'string' },
        'national-shift': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    write(io.stderr, `pdu encode: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const to = values.to;
  const text = values.text;
  if (typeof to !== 'string' || typeof text !== 'string') {
    write(io.stderr, `pdu encode: --to and --text are required\n${USAGE}`);
    return 2;
  }
  if (normaliseNumber(to) === null) {
    write(io.stderr, `pdu encode: --to ${JSON.stringify(to)} is not a phone number`);
    return 1;
  }
  if (typeof values.smsc === 'string' && normaliseNumber(values.smsc) === null) {
    write(io.stderr, `pdu encode: --smsc ${JSON.stringify(values.smsc)} is not a phone number`);
    return 1;
  }
  let validitySeconds: number | undefined;
  if (typeof values.validity === 'string') {
    validitySeconds = Number(values.validity);
    if (!Number.isInteger(validitySeconds) || validitySeconds <= 0) {
      write(io.stderr, 'pdu encode: --validity must be a positive number of seconds');
      return 2;
    }
  }
  try {
    const { pdus } = encodeSubmit({
      to,
      text,
      ...(typeof values.smsc === 'string' ? { smsc: values.smsc } : {}),
      statusReport: values.report === true,
      flash: values.flash === true,
      allowNationalShift: values['national-shift'] === true,
      ...(validitySeconds !== undefined ? { validitySeconds } : {}),
    });
    write(io.stdout, JSON.stringify(pdus));
    return 0;
  } catch (err) {
    write(io.stderr, `pdu encode: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

export const pduCommand: CliCommand = {
  name: 'pdu',
  summary: 'decode or encode SMS PDUs (3GPP TS 23.040)',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help')) {
      write(sub === undefined ? io.stderr : io.stdout, USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'decode') return decodeCommand(rest, io);
    if (sub === 'encode') return encodeCommand(rest, io);
    write(io.stderr, `pdu: unknown sub-command ${JSON.stringify(sub)}\n${USAGE}`);
    return 2;
  },
};
