/**
 * Vendor profiles: what differs between modem families, as data. The modem
 * driver never branches on a model name; it reads the profile.
 */
export interface ModemProfile {
  name: 'generic' | 'sim800' | 'sim7600' | 'quectel' | 'huawei';
  /** Matched against AT+CGMI / AT+CGMM / ATI output (case-insensitive). */
  matches: RegExp;
  /** Commands run after the common init (echo off, CMEE, PDU mode, CNMI, CPMS). Failures are logged, not fatal. */
  extraInit: string[];
  /** AT+CNMI setting: route SMS as +CMTI (stored), status reports per `statusReportMode`. */
  cnmi: string;
  /** Where received messages are read from and deleted (AT+CPMS mem1). */
  smsStorage: string;
  /**
   * Where status reports really are. Quectel EC2x/EG25 announce them as
   * `+CDSI: "SM",n` while storing them in "SR"; reading SM n returns nothing.
   */
  statusReportStorage: string;
  /** Trust the storage named in +CDSI (false on Quectel: always read `statusReportStorage`). */
  trustCdsiStorage: boolean;
  /** ICCID query and its response prefix. */
  iccidCommand: string;
  /** Remaining PIN/PUK attempts, when the vendor offers a query; parsed by `parseAttempts`. */
  pinAttemptsCommand?: string;
  /** USSD strings come back as packed GSM-7 hex whatever AT+CSCS says (Huawei). */
  ussdPackedGsm7: boolean;
  /** Send the USSD request itself packed as GSM-7 hex (Huawei). */
  ussdSendPacked: boolean;
  /** Time from AT+CFUN=1,1 until the modem answers AT again. */
  rebootTimeMs: number;
  /** Where voice audio goes (for the installer and the audio device choice). */
  audioNotes: string;
}

const GENERIC: ModemProfile = {
  name: 'generic',
  matches: /$^/,
  extraInit: [],
  cnmi: 'AT+CNMI=2,1,0,2,0',
  smsStorage: 'SM',
  statusReportStorage: 'SR',
  trustCdsiStorage: true,
  iccidCommand: 'AT+CCID',
  ussdPackedGsm7: false,
  ussdSendPacked: false,
  rebootTimeMs: 15_000,
  audioNotes: 'Analog audio on the module pins; connect a codec or use a model with USB audio.',
};

export const PROFILES: Record<ModemProfile['name'], ModemProfile> = {
  generic: GENERIC,
  sim800: {
    ...GENERIC,
    name: 'sim800',
    matches: /SIM8\d\d|SIMCOM_SIM8/i,
    // MORING reports "MO RING"/"MO CONNECTED" for outgoing call progress.
    extraInit: ['AT+MORING=1', 'AT+CLCC=1'],
    iccidCommand: 'AT+CCID',
    pinAttemptsCommand: 'AT+SPIC',
    rebootTimeMs: 10_000,
    audioNotes: 'Analog MIC/SPK pins only (no USB audio); needs an external codec for PCM.',
  },
  sim7600: {
    ...GENERIC,
    name: 'sim7600',
    matches: /SIM7[56]\d\d|SIMCOM_SIM7/i,
    extraInit: ['AT+CLCC=1'],
    iccidCommand: 'AT+CICCID',
    pinAttemptsCommand: 'AT+SPIC',
    rebootTimeMs: 20_000,
    audioNotes: 'USB audio over the voice port after AT+CPCMREG=1 (8 kHz PCM on a serial port) or PCM pins.',
  },
  quectel: {
    ...GENERIC,
    name: 'quectel',
    matches: /Quectel|EC2\d|EG2\d|EG9\d|EC200/i,
    extraInit: ['AT^DSCI=1', 'AT+QURCCFG="urcport","usbat"'],
    smsStorage: 'ME',
    statusReportStorage: 'SR',
    trustCdsiStorage: false,
    iccidCommand: 'AT+QCCID',
    pinAttemptsCommand: 'AT+QPINC="SC"',
    rebootTimeMs: 20_000,
    audioNotes: 'USB Audio Class after AT+QPCMV=1,2 (8 kHz mono on the ALSA card "Android"), or PCM pins.',
  },
  huawei: {
    ...GENERIC,
    name: 'huawei',
    matches: /huawei|E1[0-9]{3}|E3[0-9]{3}|K3715/i,
    // ^CURC=1 keeps ^RSSI/^MODE flowing (we parse them); ^CVOICE routes voice to the serial audio port.
    extraInit: ['AT^CURC=1', 'AT^CVOICE=0'],
    cnmi: 'AT+CNMI=2,1,0,2,0',
    iccidCommand: 'AT^ICCID?',
    pinAttemptsCommand: 'AT^CPIN?',
    ussdPackedGsm7: true,
    ussdSendPacked: true,
    rebootTimeMs: 20_000,
    audioNotes: 'Voice on the "Huawei Mobile Audio" serial port, 8 kHz 16-bit PCM in 320-byte frames.',
  },
};

/** Picks a profile from the manufacturer/model strings; generic when none matches. */
export function profileFor(identity: string): ModemProfile {
  for (const p of Object.values(PROFILES)) {
    if (p !== GENERIC && p.matches.test(identity)) return p;
  }
  return GENERIC;
}

/**
 * Remaining attempts from a vendor query: SIMCom `+SPIC: <pin1>,<puk1>,...`,
 * Quectel `+QPINC: "SC",<pin>,<puk>`, Huawei `^CPIN: <code>,<times>,<puk>,<pin>,...`.
 */
export function parseAttempts(lines: string[]): { pin?: number; puk?: number } {
  for (const l of lines) {
    let m = /^\+SPIC:\s*(\d+)\s*,\s*(\d+)/.exec(l);
    if (m) return { pin: Number(m[1]), puk: Number(m[2]) };
    m = /^\+QPINC:\s*"SC"\s*,\s*(\d+)\s*,\s*(\d+)/.exec(l);
    if (m) return { pin: Number(m[1]), puk: Number(m[2]) };
    m = /^\^CPIN:\s*[^,]*,\s*\d*\s*,\s*(\d+)\s*,\s*(\d+)/.exec(l);
    if (m) return { puk: Number(m[1]), pin: Number(m[2]) };
  }
  return {};
}
