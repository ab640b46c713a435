// SPDX-License-Identifier: MIT
// `lowbit report DIR...`: a self-contained HTML comparison of run folders.

import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { compareReport } from '../report/compare.js';
import { renderReport } from '../report/html.js';

export function reportCommand(print: (s: string) => void): Command {
  return new Command('report')
    .description(
      'build a self-contained HTML report comparing run folders (curves, telemetry, distributions)',
    )
    .argument('<dirs...>', 'run folders, or folders holding run folders')
    .option('--out <file>', 'HTML file to write', 'report.html')
    .action(async (dirs: string[], f: { out: string }) => {
      const html = await renderReport(compareReport(dirs));
      writeFileSync(f.out, html);
      print(`report: ${f.out}`);
    });
}
