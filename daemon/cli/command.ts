/**
 * A `linegate <name> ...` sub-command. Each room contributes its own
 * (signal, codec, pdu, bench ...); `daemon/cli.ts` only dispatches.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export interface CliCommand {
  /** The first word after `linegate`. */
  name: string;
  /** One line for `linegate --help`. */
  summary: string;
  /** Full usage text for `linegate <name> --help`. */
  usage: string;
  /** Runs with the arguments after the name; resolves to the exit code (0 ok, 1 failure, 2 usage). */
  run(args: string[], io: CliIo): Promise<number>;
}
