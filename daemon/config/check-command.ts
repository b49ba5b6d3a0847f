import { errorMessage } from '../../drivers/base/errors.ts';
import type { CliCommand } from '../cli/command.ts';
import { ConfigError, loadConfig } from './load.ts';

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'check a configuration file',
  usage: `linegate config check FILE

Validates FILE against the configuration schema, with the LINEGATE_*
environment overrides applied. Prints every problem with its field path
and line and exits 1 when the file is invalid; prints "ok" and exits 0
otherwise.`,
  async run(args, io) {
    const [sub, file, ...rest] = args;
    if (sub !== 'check' || !file || rest.length > 0) {
      io.stderr.write(`${this.usage}\n`);
      return 2;
    }
    try {
      const loaded = loadConfig({ file });
      io.stdout.write(
        `${file}: ok (version ${loaded.config.version}${loaded.migratedFrom ? `, migrated from ${loaded.migratedFrom}` : ''})\n`,
      );
      return 0;
    } catch (err) {
      io.stderr.write(`${err instanceof ConfigError ? err.message : errorMessage(err)}\n`);
      return 1;
    }
  },
};
