// SPDX-License-Identifier: MIT
// The `lowbit` command line: subcommands, help, and errors printed as one clear line.

import { Command, CommanderError } from 'commander';
import { trainCommand } from './train-command.js';
import { schemesCommand } from './schemes-command.js';
import { modelsCommand } from './models-command.js';
import { evalCommand } from './eval-command.js';
import { reproCommand } from './repro-command.js';
import { reportCommand } from './report-command.js';
import { costCommand } from './cost-command.js';
import { takeExitStatus } from './exit.js';
import { exportCommand } from './export-command.js';
import { vectorsCommand } from './vectors-command.js';
import { sweepCommand } from './sweep-command.js';
import { workerCommand } from './worker-command.js';
import { webCommand } from './web-command.js';
import '../register.js';

export async function main(
  argv: string[],
  print: (s: string) => void = (s) => console.log(s),
): Promise<number> {
  const program = new Command('lowbit')
    .description('train neural networks in low-bitwidth fixed-point and integer arithmetic')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)');
  for (const c of [
    trainCommand(print),
    evalCommand(print),
    schemesCommand(print),
    modelsCommand(print),
    reproCommand(print),
    reportCommand(print),
    costCommand(print),
    exportCommand(print),
    vectorsCommand(print),
    sweepCommand(print),
    workerCommand(print),
    webCommand(print),
  ]) {
    c.exitOverride();
    c.showHelpAfterError('(add --help for usage)');
    program.addCommand(c);
  }
  try {
    takeExitStatus();
    await program.parseAsync(['node', 'lowbit', ...argv]);
    return takeExitStatus();
  } catch (e) {
    takeExitStatus();
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}
