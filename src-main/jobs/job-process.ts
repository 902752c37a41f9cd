// A job process whose runs train here:
//   node src-main/jobs/job-process.ts <experiment-id> --db <file> [--backend auto|wasm|cpu|tensorflow] [--threads n]
// (job-main.ts does the work and says what it reports.)
import { runJobProcess } from './job-main.ts';

await runJobProcess(process.argv.slice(2));
