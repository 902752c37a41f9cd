// Plain-text tables and number formatting for the terminal. `--json` output never goes through here.

export function table(headers: string[], rows: Array<Array<string | number>>, align?: Array<'l' | 'r'>): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number): string => ((align?.[i] ?? 'l') === 'r' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (r: string[]): string => r.map(pad).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** 14987722 -> "14.99M", 627900000 -> "627.9M". */
export function si(n: number, digits = 2): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(digits)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(digits)}K`;
  // A spread over seeds is rarely whole: as many decimals as the larger units get.
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function percent(fraction: number | null | undefined, digits = 2): string {
  return fraction === null || fraction === undefined ? '-' : `${(fraction * 100).toFixed(digits)}%`;
}

export function fixed(n: number | null | undefined, digits = 4): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
