#!/usr/bin/env node
import type { CliCommand, CliIo } from './cli/command.ts';
import { benchCommand } from './cli/bench-command.ts';
import { configCommand } from './config/check-command.ts';
import { pduCommand } from './sms/pdu-command.ts';
import { codecCommand } from './media/codec-command.ts';
import { signalCommand } from './media/signal-command.ts';
import { runCommand } from './run-command.ts';
import { VERSION } from './version.ts';

/** Every `linegate <command>`; each room contributes its own. */
const COMMANDS: readonly CliCommand[] = [
  runCommand,
  configCommand,
  pduCommand,
  signalCommand,
  codecCommand,
  benchCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `linegate ${VERSION} — SIP and SMS gateway for analog phones, analog lines and GSM modems

Usage: linegate <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "linegate <command> --help" for a command's options.
`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`linegate: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  if (args.includes('--version')) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  return command.run(args, io);
}

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    // The daemon closes its own handles; a one-shot command may leave none.
    if (process.argv[2] === 'run') setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    process.stderr.write(`linegate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(70);
  },
);
