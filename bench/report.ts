/** Shape every bench module returns, and the helpers run.ts uses to print and store it. */
import { statfsSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  totalMemoryGiB: number;
  node: string;
  platform: string;
}

/** One comparison: the port against the raw driver doing the same work, several interleaved runs each. */
export interface BenchMeasure {
  name: string;
  unit: string;
  /** Per-run rates, in run order. */
  port: number[];
  raw: number[];
  portMedian: number;
  rawMedian: number;
  /** portMedian / rawMedian. */
  ratio: number;
  /** Minimum acceptable ratio. */
  target: number;
  detail?: string;
}

export interface BenchReport {
  name: string;
  startedAt: string;
  durationMs: number;
  machine: Machine;
  /** Where the databases were written (what disk the figures describe). */
  dataDir: string;
  fileSystem: string;
  /** os.loadavg() (1, 5, 15 min) before and after: other work on the machine skews the figures. */
  loadAverage: { start: number[]; end: number[] };
  measures: BenchMeasure[];
  notes: string[];
  /** Other figures (latencies, memory, targets), printed as tables after the measures. */
  tables?: BenchTable[];
  /** Absolute targets of the issue, each with the measured value it was judged on. */
  targets?: BenchTarget[];
}

export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface BenchTarget {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

// Magic numbers from statfs(2): enough to spot a tmpfs, where fsync costs nothing and figures lie.
const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x6969: 'nfs',
  0x2fc12fc1: 'zfs',
};

export function fileSystemOf(path: string): string {
  try {
    const type = Number(statfsSync(path).type);
    return FS_TYPES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function measure(name: string, unit: string, port: number[], raw: number[], target: number, detail?: string): BenchMeasure {
  const portMedian = median(port);
  const rawMedian = median(raw);
  return { name, unit, port, raw, portMedian, rawMedian, ratio: portMedian / rawMedian, target, detail };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const header = [
    `bench ${report.name} — ${report.startedAt} (${(report.durationMs / 1000).toFixed(1)} s)`,
    `machine: ${m.cpuModel} × ${m.cpuCount}, ${m.totalMemoryGiB} GiB, node ${m.node}, ${m.platform}`,
    `data:    ${report.dataDir} (${report.fileSystem})`,
    `load:    ${report.loadAverage.start.map((l) => l.toFixed(2)).join(' ')} at start, ${report.loadAverage.end.map((l) => l.toFixed(2)).join(' ')} at end (1/5/15 min)`,
  ];
  const rows = report.measures.map((x) => [
    x.name,
    `${fmt(x.portMedian)} ${x.unit}`,
    `${fmt(x.rawMedian)} ${x.unit}`,
    `${(x.ratio * 100).toFixed(1)}%`,
    x.target <= 0 ? '—' : x.ratio >= x.target ? 'ok' : `BELOW ${Math.round(x.target * 100)}%`,
    `port ${x.port.map(fmt).join(' / ')}; raw ${x.raw.map(fmt).join(' / ')}`,
  ]);
  const titles = ['measure', 'port (median)', 'raw (median)', 'port/raw', 'target', 'runs'];
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    ...header,
    ...(rows.length ? ['', line(titles), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)] : []),
    ...(report.tables ?? []).flatMap((t) => ['', formatTable(t)]),
    ...(report.targets?.length
      ? ['', formatTable({ title: 'targets', columns: ['target', 'wanted', 'measured', 'met'], rows: report.targets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : 'NO']) })]
      : []),
    ...(report.notes.length ? ['', ...report.notes.map((n) => `note: ${n}`)] : []),
  ].join('\n');
}

export function formatTable(table: BenchTable): string {
  const rows = table.rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtNumber(c) : c)));
  const widths = table.columns.map((t, i) => Math.max(t.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`${table.title}:`, line(table.columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Integers with thousands separators; small values with enough decimals to be read (latencies in ms). */
export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}
