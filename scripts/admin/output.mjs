// Output helpers shared by the command groups: summaries on stdout, warnings on stderr.

/** Warnings go to stderr, so that --json output on stdout stays parseable. */
export function warn(message) {
  console.error(`warning: ${message}`);
}

export function fmtTime(t) {
  return typeof t === 'number' ? new Date(t * 1000).toISOString() : String(t);
}

export function printTable(rows, cols) {
  const cells = rows.map((r) => cols.map(([, f]) => String(f(r) ?? '')));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  console.log(line(cols.map(([h]) => h)));
  for (const c of cells) console.log(line(c));
}
