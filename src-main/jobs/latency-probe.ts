// Measures the inference latency of architectures in a process of its own (one backend per process, the
// one the experiments run on; the caller's event loop stays free): reads [{archSpecId, spec}] as JSON on
// stdin, selects the backend as a job would, times each architecture at each batch size
// (engine/analysis/latency.ts: median of repeated eval-mode forward passes), prints one JSON line:
// {backend, device, rows: LatencyMeasurement[]}.
//   node src-main/jobs/latency-probe.ts --backend auto [--threads n] --batch-sizes 1,64 --repeats 20
import { parseArgs } from 'node:util';
import { type ArchSpec } from '../../src-shared/arch-spec.ts';
import type { LatencyMeasurement } from '../store/latency.ts';

export interface LatencyProbeResult {
  backend: string;
  device: string;
  rows: LatencyMeasurement[];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'auto' }, threads: { type: 'string' }, 'batch-sizes': { type: 'string', default: '1' }, repeats: { type: 'string', default: '20' } } });
  const { parseBackendChoice, selectBackend } = await import('../engine/backend/select-backend.ts');
  const { measureLatency } = await import('../engine/analysis/latency.ts');
  const { resolveArch } = await import('../engine/models/register-all.ts');
  const items = JSON.parse(await readStdin()) as Array<{ archSpecId: number; spec: ArchSpec }>;
  const batchSizes = values['batch-sizes']!.split(',').map(Number);
  const repeats = Number(values.repeats);
  const info = await selectBackend(parseBackendChoice(values.backend!), { threads: values.threads === undefined ? undefined : Number(values.threads) });
  const rows: LatencyMeasurement[] = [];
  for (const item of items) {
    const measured = await measureLatency(resolveArch(item.spec), { batchSizes, repeats });
    for (const m of measured) rows.push({ archSpecId: item.archSpecId, backend: info.name, device: info.device, batchSize: m.batchSize, medianMs: m.medianMs, repeats: m.repeats });
  }
  const result: LatencyProbeResult = { backend: info.name, device: info.device, rows };
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`, () => process.exit(1));
  });
}
