// `npm run faults`: the whole fault-injection campaign, with its counts (FAULT_KILLS kills, default 40;
// FAULT_ROUNDS random truncations and byte flips each, default 10), then the bad-input and disk-fault
// suites. Prints one summary; exits 1 if anything did not hold.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../cli/helpers.ts';
import { damageCampaign, killCampaign } from './campaign.ts';

const kills = Number(process.env.FAULT_KILLS ?? 40);
const rounds = Number(process.env.FAULT_ROUNDS ?? 10);
const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwb-faults-'));
const log = (line: string): void => void process.stderr.write(`faults: ${line}\n`);
const started = performance.now();
let failed = false;
try {
  log(`seed ${seed}; ${kills} kills, ${rounds} rounds of random damage`);
  const k = await killCampaign(dir, kills, seed, log);
  log(`kills: ${k.kills} (${Object.entries(k.byPoint).map(([p, n]) => `${n} at ${p}`).join(', ')}); ${k.resumes} resumes; ${k.runsRecovered} killed runs completed with the uninterrupted run's metrics`);
  const d = await damageCampaign(dir, rounds, seed + 1, log);
  log(`checkpoint damage: ${d.damaged} (${Object.entries(d.byKind).map(([p, n]) => `${n} ${p}`).join(', ')}), each refused with one line, nothing stored changed; the run's own file then resumed it`);
  const suites = ['test/cli/bad-input.test.ts', 'test/cli/experiment-bad-spec.test.ts', 'test/faults/storage.test.ts', 'test/jobs/resume-guards.test.ts'];
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...suites], { cwd: REPO_ROOT, encoding: 'utf8' });
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? NaN);
  log(`bad inputs and disk faults (${suites.join(', ')}): ${count('pass')} held, ${count('fail')} failed, ${count('skipped')} skipped`);
  if (r.status !== 0) {
    failed = true;
    process.stderr.write(r.stdout.split('\n').filter((l) => /^\s*not ok|error:/.test(l)).join('\n') + '\n');
  }
} catch (e) {
  failed = true;
  process.stderr.write(`faults: FAILED: ${(e as Error).stack}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
log(`${failed ? 'FAILED' : 'all held'} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = failed ? 1 : 0;
