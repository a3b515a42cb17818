/** One sample of a Prometheus text exposition: metric name, labels and value. */
export interface Sample { name: string; labels: Record<string, string>; value: number }

/**
 * Parses the sample lines of a Prometheus text exposition (HELP and TYPE lines are skipped). Enough for the
 * series prom-client writes: label values without escaped quotes.
 */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}
