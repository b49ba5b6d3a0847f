import type { AtFinal } from './at-lines.ts';

export interface AtResponse {
  /** The command line as sent (without CR). */
  command: string;
  /** Information lines between the command and its final result (echo removed). */
  lines: string[];
  /** The final result line (`OK`, `+CMS ERROR: 500`...). */
  final: string;
  result: AtFinal;
}

export interface AtCommandOptions {
  /** Overrides the default timeout for this command (see `defaultTimeoutMs`). */
  timeoutMs?: number;
  /**
   * Data to send after the `> ` prompt (a PDU for AT+CMGS/AT+CMGW), terminated
   * with Ctrl-Z by the engine. Without a prompt in `promptTimeoutMs` the engine
   * sends ESC and fails the command.
   */
  promptData?: string;
  promptTimeoutMs?: number;
  /**
   * Start the timeout when the command is queued rather than when it is sent:
   * a health probe stuck behind a command the modem never answers fails in time.
   */
  timeoutFromEnqueue?: boolean;
  /** Resolve with the error result instead of rejecting (callers that inspect +CME codes). */
  allowError?: boolean;
  /**
   * Some modems (Wavecom, some SIM800 firmware) end `AT+CPIN?` with `+CPIN: READY`
   * and no OK. When set, a response line followed by this long a silence counts
   * as OK. Applied automatically (1000 ms) to AT+CPIN?.
   */
  okAfterSilenceMs?: number;
}

/** An unsolicited result code. */
export interface AtUrc {
  /** `+CMTI`, `RING`, `^RSSI`, `Call Ready`... */
  name: string;
  /** The full line. */
  line: string;
  /** Text after `name:`. */
  args: string;
  /** The second line of a two-line URC (+CMT / +CDS PDU). */
  pdu?: string;
}

/** The command channel the modem layer uses; AtEngine is the implementation. */
export interface AtChannel {
  command(command: string, options?: AtCommandOptions): Promise<AtResponse>;
  /** Subscribes to URCs by name (`'*'` for all). Returns an unsubscribe. */
  onUrc(name: string, handler: (urc: AtUrc) => void): () => void;
}
