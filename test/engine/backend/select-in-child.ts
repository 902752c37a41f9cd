// Test helper: selects a backend in a fresh process (libtensorflow reads its environment once, and only
// one native package can load per process) and prints the BackendInfo as one JSON line.
//   node select-in-child.ts <auto|tensorflow|wasm|cpu> [threads]
import { selectBackend, parseBackendChoice } from '../../../src-main/engine/backend/select-backend.ts';

const threads = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
try {
  const info = await selectBackend(parseBackendChoice(process.argv[2] ?? 'auto'), { threads });
  console.log(JSON.stringify({ ok: true, info }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: (e as Error).message }));
}
