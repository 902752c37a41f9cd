// `pwb download <dataset-id>`: fetch a built-in dataset from its official address into the cache,
// with a progress bar, resume of a partial download and SHA-256 verification.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { downloadDataset } from '../../engine/datasets/download.ts';

export function registerDownload(program: Command): void {
  program
    .command('download')
    .description('download a built-in dataset (cifar10, cifar100, fashion-mnist) into the cache folder')
    .argument('<dataset>', 'dataset id')
    .option('--cache <dir>', 'cache folder (default: the user cache folder, or $PWB_DATASETS_DIR)')
    .option('--mirror <url>', 'base URL serving the same files (default: the official address, or $PWB_DATASET_MIRROR)')
    .option('--json', 'print {"dataset", "dir"} when done')
    .action(async (id: string, opts: { cache?: string; mirror?: string; json?: boolean }) => {
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: '{file} |{bar}| {percentage}% {done}/{total} MB', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      let current = '';
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      try {
        const dir = await downloadDataset(id, {
          cacheDir: opts.cache,
          mirror: opts.mirror,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase !== 'download' || p.bytesTotal === null) return;
            const payload = { file: p.file, done: (p.bytesDone / 1e6).toFixed(1), total: (p.bytesTotal / 1e6).toFixed(1) };
            if (current !== p.file) {
              if (current) bar.stop();
              current = p.file;
              bar.start(p.bytesTotal, p.bytesDone, payload);
            } else bar.update(p.bytesDone, payload);
          },
        });
        if (current) bar.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify({ dataset: id, dir })}\n`);
        else console.log(`${id}: ready in ${dir}`);
      } finally {
        if (current) bar.stop();
      }
    });
}
