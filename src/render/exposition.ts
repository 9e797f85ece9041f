// The Prometheus text exposition format (version 0.0.4): families with HELP and TYPE, label values
// escaped, NaN and infinities spelled as the format wants. What the series mean is prometheus.ts's and
// cluster-metrics.ts's. Pure.

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export type Labels = Record<string, string | number | null | undefined>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${escapeLabel(v === null ? '' : String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Exposition {
  private out: string[] = [];
  family(name: string, help: string, samples: [Labels, number][], type = 'gauge'): void {
    if (samples.length === 0) return;
    this.out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.out.push(`${name}${labelText(labels)} ${num(value)}`);
  }
  text(): string {
    return `${this.out.join('\n')}\n`;
  }
}
