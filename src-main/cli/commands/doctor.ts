// `pwb doctor`: which compute backends can run here and why not — for each native package whether it is
// installed and loads (the missing CUDA libraries by name, the versions needed), the device, TensorFlow's
// threads and oneDNN, and a 3-second training-throughput probe — so a researcher whose GPU is not used
// learns why in one command. `--json` prints the ComputeReport the UI's Compute view shows.
import type { Command } from 'commander';
import { backendStatus, type ComputeReport } from '../../../src-shared/compute-report.ts';
import { parsePositiveInt } from '../args.ts';
import { printJson } from '../format.ts';

interface DoctorOpts {
  json?: boolean;
  probe: boolean;
  threads?: number;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('which compute backends run here, on what device, how fast, and why not')
    .option('--threads <n>', 'threads for native TensorFlow (default: every core)', parsePositiveInt('--threads'))
    .option('--no-probe', 'skip the 3-second throughput probes')
    .option('--json', 'print one JSON object')
    .action(async (opts: DoctorOpts) => {
      const { diagnoseCompute } = await import('../../jobs/compute-diagnosis.ts');
      const report = await diagnoseCompute({ probe: opts.probe, threads: opts.threads });
      if (opts.json) printJson(report);
      else console.log(formatReport(report));
    });
}

function formatReport(r: ComputeReport): string {
  const lines: string[] = [];
  lines.push(`machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.platform}, Node ${r.machine.node}`);
  lines.push(`auto picks: ${r.auto ?? 'nothing (no backend loads)'}`);
  for (const b of r.backends) {
    lines.push('');
    lines.push(`${b.candidate}: ${backendStatus(b)}`);
    if (b.why) lines.push(`  why: ${b.why}`);
    if (b.device) lines.push(`  device: ${b.device}`);
    if (b.reason) lines.push(`  reason stored with runs: ${b.reason}`);
    if (b.probeImagesPerSec !== null) lines.push(`  probe: ${b.probeImagesPerSec.toFixed(0)} img/s (${b.probeNote})`);
    else if (b.probeNote) lines.push(`  probe: ${b.probeNote}`);
  }
  lines.push('');
  lines.push(`CUDA: needs ${r.cuda.needs}`);
  if (r.cuda.libraries) {
    const missing = r.cuda.libraries.filter((l) => !l.path).map((l) => l.name);
    lines.push(missing.length ? `  missing: ${missing.join(', ')}` : `  all found: ${r.cuda.libraries.map((l) => l.path).join(', ')}`);
  } else {
    lines.push('  (the library check is Linux-only)');
  }
  lines.push(`  NVIDIA GPUs: ${r.cuda.gpus.length ? r.cuda.gpus.join('; ') : 'none found (no nvidia-smi)'}`);
  lines.push(`WebGPU: ${r.webgpu}`);
  return lines.join('\n');
}
