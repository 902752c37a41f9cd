// Where a coordinator's worker endpoint listens: HOST:PORT as `--listen` gives it (a bracketed IPv6 host
// allowed; port 0 picks a free one).
import { ValidationError } from '../../src-shared/errors.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:0';

export function parseListen(value: string, option = '--listen'): ListenAddress {
  const m = /^(.+):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) throw new ValidationError(`${option}: expected HOST:PORT (e.g. 0.0.0.0:7070, or 127.0.0.1:0 for any free port), got '${value}'`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}
