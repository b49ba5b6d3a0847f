import { splitParams } from '../../at/at-lines.ts';
import { fromSeptets, packSeptets, toSeptets, unpackSeptets } from '../gsm7.ts';
import type { SimBehaviour, SimFlavour, SimReply, SimulatedModem } from './simulated-modem.ts';

const IDENTITY: Record<SimFlavour, { manufacturer: string; model: string; revision: string }> = {
  generic: { manufacturer: 'Linegate', model: 'SIMULATED-27007', revision: 'SIM 1.0' },
  sim800: { manufacturer: 'SIMCOM_Ltd', model: 'SIMCOM_SIM800L', revision: 'Revision:1418B05SIM800L24' },
  sim7600: { manufacturer: 'SIMCOM INCORPORATED', model: 'SIMCOM_SIM7600E-H', revision: 'LE20B04SIM7600M22' },
  quectel: { manufacturer: 'Quectel', model: 'EG25', revision: 'EG25GGBR07A08M2G' },
  huawei: { manufacturer: 'huawei', model: 'E1752', revision: '11.126.16.04.00' },
};

const REG_CODES = { unregistered: 0, home: 1, searching: 2, denied: 3, roaming: 5 } as const;

function packHex(text: string): string {
  return Buffer.from(packSeptets(toSeptets(text) ?? []))
    .toString('hex')
    .toUpperCase();
}

function unpackHex(hex: string): string {
  const octets = Buffer.from(hex, 'hex');
  return fromSeptets(unpackSeptets(octets, Math.floor((octets.length * 8) / 7))).replace(/@$/, '');
}

const ok = (lines: string[] = []): SimReply => ({ lines, final: 'OK' });

/** The command name and its argument text: `+CMGR=3` → ['+CMGR', '=3']. */
function split(cmd: string): [string, string] {
  const m = /^([+^][A-Z][A-Z0-9]*|&[A-Z]|[A-Z])(.*)$/i.exec(cmd);
  return m ? [m[1]!.toUpperCase(), m[2]!] : [cmd.toUpperCase(), ''];
}

function needsSim(m: SimulatedModem): SimReply | undefined {
  if (m.sim === 'ready') return undefined;
  return m.error(false, m.sim === 'absent' ? 10 : m.sim === 'pin' ? 11 : 12);
}

function sleep(m: SimulatedModem, ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => m.clock.setTimer(ms, r)) : Promise.resolve();
}

/** Basic V.250 and identity. */
const basics: SimBehaviour = (cmd, m) => {
  const [name, arg] = split(cmd);
  const id = IDENTITY[m.flavour];
  switch (name) {
    case '':
      return ok();
    case 'E':
      m.echo = arg !== '0';
      return ok();
    case 'Z':
    case '&F':
    case 'V':
    case 'Q':
      return ok();
    case 'I':
      return ok([id.manufacturer, id.model, `Revision: ${id.revision}`]);
    case '+CMEE':
      if (arg === '?') return ok([`+CMEE: ${m.cmee}`]);
      m.cmee = Number(arg.slice(1)) || 0;
      return ok();
    case '+CGMI':
    case '+GMI':
      return ok([id.manufacturer]);
    case '+CGMM':
    case '+GMM':
      return ok([id.model]);
    case '+CGMR':
    case '+GMR':
      return ok([m.flavour === 'sim800' ? id.revision : `${id.revision}`]);
    case '+CGSN':
    case '+GSN':
      return ok([m.options.imei ?? '867698040000001']);
    case '+CFUN':
      if (arg === '?') return ok(['+CFUN: 1']);
      if (/^=1,1/.test(arg)) {
        m.clock.setTimer(20, () => m.reboot());
        return ok();
      }
      return ok();
    case '+CSCS':
      return arg === '?' ? ok(['+CSCS: "GSM"']) : ok();
    default:
      return undefined;
  }
};

/** SIM: PIN/PUK with attempt counters, ICCID, IMSI. */
const sim: SimBehaviour = (cmd, m) => {
  const [name, arg] = split(cmd);
  switch (name) {
    case '+CPIN': {
      if (arg === '?') {
        if (m.sim === 'absent') return m.error(false, 10);
        const v = m.sim === 'ready' ? 'READY' : m.sim === 'pin' ? 'SIM PIN' : 'SIM PUK';
        return ok([`+CPIN: ${v}`]);
      }
      const p = splitParams(arg.slice(1));
      if (m.sim === 'pin') {
        if (p[0] === m.options.pin) {
          m.sim = 'ready';
          m.pinAttempts = 3;
          return ok();
        }
        m.pinAttempts--;
        if (m.pinAttempts <= 0) m.sim = 'puk';
        return m.error(false, 16);
      }
      if (m.sim === 'puk') {
        if (p[0] === m.options.puk && p[1]) {
          m.sim = 'ready';
          m.pukAttempts = 10;
          m.pinAttempts = 3;
          return ok();
        }
        m.pukAttempts--;
        if (m.pukAttempts <= 0) m.sim = 'absent';
        return m.error(false, 16);
      }
      return m.error(false, 3);
    }
    case '+SPIC':
      return ok([`+SPIC: ${m.pinAttempts},${m.pukAttempts},3,10`]);
    case '+QPINC':
      return ok([`+QPINC: "SC",${m.pinAttempts},${m.pukAttempts}`]);
    case '^CPIN':
      return ok([
        `^CPIN: ${m.sim === 'ready' ? 'READY' : 'SIM PIN'},,${m.pukAttempts},${m.pinAttempts},10,3`,
      ]);
    case '+CCID':
    case '+CICCID':
    case '+QCCID':
    case '^ICCID': {
      const e = needsSim(m);
      if (e) return e;
      const iccid = m.options.iccid ?? '8901260000000000001';
      return ok([
        name === '+CCID'
          ? iccid
          : `${name === '^ICCID' ? '^ICCID' : name.replace('+CICCID', '+ICCID')}: ${iccid}`,
      ]);
    }
    case '+CIMI': {
      const e = needsSim(m);
      return e ?? ok([m.options.imsi ?? '310260000000001']);
    }
    default:
      return undefined;
  }
};

/** Network: registration, operator, signal. */
const network: SimBehaviour = (cmd, m) => {
  const [name, arg] = split(cmd);
  switch (name) {
    case '+CREG':
      if (arg === '?') {
        const stat = REG_CODES[m.registration];
        return ok([m.cregN === 2 ? `+CREG: 2,${stat},"00A8","5355E8D",0` : `+CREG: ${m.cregN},${stat}`]);
      }
      m.cregN = Number(arg.slice(1)) || 0;
      return ok();
    case '+CGREG':
    case '+CEREG':
      return arg === '?' ? ok([`${name}: 0,${REG_CODES[m.registration]}`]) : ok();
    case '+COPS':
      if (arg === '?') {
        const registered = m.registration === 'home' || m.registration === 'roaming';
        return ok([registered ? `+COPS: 0,0,"${m.operator}",0` : '+COPS: 0']);
      }
      return ok();
    case '+CSQ':
      return ok([`+CSQ: ${m.signalCsq},99`]);
    case '+CLIP':
      if (arg === '?') return ok([`+CLIP: ${m.clip ? 1 : 0},1`]);
      m.clip = arg === '=1';
      return ok();
    case '+CRC':
      m.crc = arg === '=1';
      return ok();
    default:
      return undefined;
  }
};

/** 27.005 SMS in PDU mode: storages, list/read/delete, send with the prompt. */
const sms: SimBehaviour = (cmd, m) => {
  const [name, arg] = split(cmd);
  const storageNames = ['SM', 'ME', 'MT', 'SR'];
  switch (name) {
    case '+CMGF':
      if (arg === '?') return ok([`+CMGF: ${m.cmgf}`]);
      m.cmgf = Number(arg.slice(1)) || 0;
      return ok();
    case '+CSMS':
      return ok(['+CSMS: 0,1,1,1']);
    case '+CNMI': {
      if (arg === '?') return ok([`+CNMI: 2,${m.cnmiMt},0,${m.cnmiDs},0`]);
      const p = splitParams(arg.slice(1)).map(Number);
      m.cnmiMt = p[1] ?? 0;
      m.cnmiDs = p[3] ?? 0;
      return ok();
    }
    case '+CPMS': {
      const e = needsSim(m);
      if (e) return e;
      const used = (s: string) => m.storage(s).size;
      if (arg === '?') {
        return ok([
          `+CPMS: "${m.mem1}",${used(m.mem1)},${m.storageSize},"${m.mem1}",${used(m.mem1)},${m.storageSize},"${m.mem3}",${used(m.mem3)},${m.storageSize}`,
        ]);
      }
      const p = splitParams(arg.slice(1)).map((s) => s.toUpperCase());
      if (p.some((s) => s && !storageNames.includes(s))) return m.error(true, 302);
      if (p[0]) m.mem1 = p[0];
      if (p[2]) m.mem3 = p[2];
      return ok([
        `+CPMS: ${used(m.mem1)},${m.storageSize},${used(m.mem1)},${m.storageSize},${used(m.mem3)},${m.storageSize}`,
      ]);
    }
    case '+CMGL': {
      const e = needsSim(m);
      if (e) return e;
      const which = Number(arg.slice(1) || '4');
      const lines: string[] = [];
      for (const [index, s] of [...m.storage(m.mem1)].sort((a, b) => a[0] - b[0])) {
        if (which !== 4 && s.stat !== which) continue;
        lines.push(
          `+CMGL: ${index},${s.stat},,${s.pdu.length / 2 - 1 - Number.parseInt(s.pdu.slice(0, 2), 16)}`,
          s.pdu,
        );
        if (s.stat === 0) s.stat = 1;
      }
      return ok(lines);
    }
    case '+CMGR': {
      const e = needsSim(m);
      if (e) return e;
      const s = m.storage(m.mem1).get(Number(arg.slice(1)));
      // 27.005 leaves an empty slot vendor-specific: most answer a bare OK.
      if (!s) return ok();
      const line = `+CMGR: ${s.stat},,${s.pdu.length / 2 - 1 - Number.parseInt(s.pdu.slice(0, 2), 16)}`;
      if (s.stat === 0) s.stat = 1;
      return ok([line, s.pdu]);
    }
    case '+CMGD': {
      const e = needsSim(m);
      if (e) return e;
      const p = splitParams(arg.slice(1)).map(Number);
      if (p[1] && p[1] >= 1) {
        for (const i of [...m.storage(m.mem1).keys()]) m.deleteStored(m.mem1, i);
        return ok();
      }
      m.deleteStored(m.mem1, p[0] ?? -1);
      return ok();
    }
    case '+CMGS': {
      const e = needsSim(m);
      if (e) return e;
      if (m.registration !== 'home' && m.registration !== 'roaming') return m.error(true, 331);
      const length = Number(arg.slice(1));
      const generation = m.portGeneration;
      return {
        prompt: async (data) => {
          if (data === undefined) return { final: '' };
          if (!/^(?:[0-9A-Fa-f]{2})+$/.test(data)) return m.error(true, 304);
          const smscLen = Number.parseInt(data.slice(0, 2), 16);
          if (data.length / 2 - 1 - smscLen !== length) return m.error(true, 304);
          await sleep(m, m.cmgsDelayMs);
          // The port vanished or the modem hung while "sending": it never reached the network.
          if (m.portGeneration !== generation || m.hung) return { final: '' };
          if (m.cmgsFailure) return { final: m.cmgsFailure };
          try {
            const sent = m.acceptSubmit(data.toUpperCase());
            return ok([`+CMGS: ${sent.reference}`]);
          } catch {
            return m.error(true, 304);
          }
        },
      };
    }
    default:
      return undefined;
  }
};

/** Voice calls and USSD. */
const voice: SimBehaviour = (cmd, m) => {
  const [name, arg] = split(cmd);
  if (/^D/i.test(cmd) && name !== '+DR') {
    const number = cmd.slice(1).replace(/;$/, '');
    if (m.call.state !== 'idle') return { final: 'BUSY' };
    m.call = { state: 'dialing', number };
    return ok();
  }
  switch (name) {
    case 'A':
      if (m.call.state !== 'ringing') return { final: 'NO CARRIER' };
      m.call = { ...m.call, state: 'active' };
      return ok();
    case 'H':
    case '+CHUP':
      m.endCallLocally();
      return ok();
    case '+CLCC': {
      if (m.call.state === 'idle') return ok();
      const dir = m.call.state === 'ringing' ? 1 : 0;
      const stat = m.call.state === 'active' ? 0 : m.call.state === 'ringing' ? 4 : 3;
      const num = m.call.number ?? '';
      return ok([`+CLCC: 1,${dir},${stat},0,0,"${num}",${num.startsWith('+') ? 145 : 129}`]);
    }
    case '+VTS':
      if (m.call.state !== 'active') return m.error(false, 3);
      m.dtmf += arg.slice(1).replace(/"/g, '');
      return ok();
    case '+CUSD': {
      const p = splitParams(arg.slice(1));
      // Huawei E1xx take and give USSD strings as packed GSM-7 hex.
      const packed = m.flavour === 'huawei';
      const raw = p[1] ?? '';
      const code = packed ? unpackHex(raw) : raw;
      const reply = m.ussdReplies.get(code);
      const text = reply === undefined ? undefined : packed ? packHex(reply) : reply;
      m.clock.setTimer(100, () => m.urc(text === undefined ? '+CUSD: 4' : `+CUSD: 0,"${text}",15`));
      return ok();
    }
    default:
      return undefined;
  }
};

/** Vendor extras answered OK so profiles' init commands pass. */
const vendorExtras: SimBehaviour = (cmd, m) => {
  const [name] = split(cmd);
  const known: Record<SimFlavour, string[]> = {
    generic: [],
    sim800: ['+MORING'],
    sim7600: [],
    quectel: ['^DSCI', '+QURCCFG'],
    huawei: ['^CURC', '^CVOICE'],
  };
  return known[m.flavour].includes(name) ? ok() : undefined;
};

/** The default behaviour list for a flavour (first match answers). */
export function defaultBehaviours(_flavour: SimFlavour): SimBehaviour[] {
  return [basics, sim, network, sms, voice, vendorExtras];
}
