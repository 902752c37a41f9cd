// `pwb datasets`: the built-in datasets, their sizes and whether they are on this machine.
import type { Command } from 'commander';
import { printJson, table } from '../format.ts';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('list the built-in datasets (a folder path also works wherever a dataset id does)')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      // Loaded here, not with the CLI: the registry pulls in the image decoders.
      const { describeDatasets } = await import('../../engine/datasets/registry.ts');
      const rows = await describeDatasets();
      if (opts.json) return printJson(rows);
      console.log(
        table(
          ['id', 'name', 'train', 'test', 'input', 'classes', 'present', 'where'],
          rows.map((r) => [r.id, r.name, r.trainSize ?? '-', r.testSize ?? '-', r.inputShape?.join('x') ?? '-', r.classes ?? '-', r.present ? 'yes' : 'no (pwb download)', r.where]),
          ['l', 'l', 'r', 'r', 'l', 'r', 'l', 'l'],
        ),
      );
      console.log('\nAlso accepted: a folder of IDX files, CIFAR binaries, or images (root/train/<class>/*.jpg|png, root/test|val/<class>/...).');
    });
}
