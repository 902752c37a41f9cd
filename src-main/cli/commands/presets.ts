// `pwb presets`: the shipped experiment presets.
import type { Command } from 'commander';
import { printJson, table } from '../format.ts';

export function registerPresets(program: Command): void {
  program
    .command('presets')
    .description('list the experiment presets (run one with `pwb run <id> [--scale f]`)')
    .option('--json', 'print a JSON array of {id, spec}')
    .action(async (opts: { json?: boolean }) => {
      const { loadPreset, presetIds } = await import('../../queries/presets.ts');
      const presets = presetIds().map((id) => ({ id, spec: loadPreset(id) }));
      if (opts.json) return printJson(presets);
      console.log(
        table(
          ['id', 'dataset', 'arch', 'method', 'seeds', 'name'],
          presets.map(({ id, spec }) => [id, spec.dataset, typeof spec.arch === 'string' ? spec.arch : spec.arch.family, `${spec.method.id} ${JSON.stringify(spec.method.params)}`, spec.seeds.length, spec.name]),
        ),
      );
    });
}
