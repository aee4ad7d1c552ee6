/** The bench's outputs: the results' shape, the markdown table and the SVG chart (drawn by hand). */
import type { Spread } from './stats';

export interface ModeFigures {
  throughput: Spread;
  p50: Spread;
  p99: Spread;
  cpuMsPerOp: Spread;
  azuriteCpuMsPerOp?: Spread;
  loadGenCpuMsPerOp?: Spread;
  systemMsPerOp?: Spread;
  errors: number;
  ops: number;
  rounds: unknown[];
}

export interface PairFigures {
  raw: ModeFigures;
  e2e: ModeFigures;
  ratio: { throughput: Spread; p99: Spread };
  /** POST only: raw createEntity in the same round sets (raw is then the transaction the app sends), and e2e ÷ it. */
  insert?: ModeFigures;
  ratioToInsert?: Spread;
}

/** Two function processes, one with the deployed settings and one with the local defaults, in pairs of rounds. */
export interface SettingFigures {
  deployed: ModeFigures;
  local: ModeFigures;
  /** local ÷ deployed throughput, per pair. */
  ratio: Spread;
}

export interface Target {
  name: string;
  measured: string;
  met: boolean;
}

export interface ReadFigures {
  available: boolean;
  probeStatus?: number;
  pageSize?: number;
  hasNextLink?: boolean;
  figures?: PairFigures;
}

/** The genuine Functions host path (../shared/functions-host serving dist/package), each round beside a raw one. */
export interface GenuineHostFigures {
  available: boolean;
  reason?: string;
  workers?: number;
  post?: PairFigures;
  /** CPU ms per request of the host process and of its Node worker(s), apart (their sum is e2e.cpuMsPerOp). */
  postCpu?: { host: Spread; worker: Spread };
  getItem?: PairFigures;
  getItemCpu?: { host: Spread; worker: Spread };
  getProbeStatus?: number;
}

export interface BenchResults {
  meta: {
    date: string;
    commit: string;
    node: string;
    azurite: string;
    dataTables: string;
    functions: string;
    autocannon: string;
    cpu: string;
    cores: number;
    memoryGiB: number;
    loadavgStart: number[];
    loadavgEnd: number[];
    durationS: number;
    quietWaitS: number;
    contendedRetries: number;
    settings: Record<string, unknown>;
  };
  post: Record<string, PairFigures>;
  /** At the headline C: POST with a fresh client-request-id each, against the transaction with its record. */
  postWithCrid?: PairFigures;
  localDefaults?: { post?: SettingFigures; get?: SettingFigures };
  reads: { item: ReadFigures; list: ReadFigures };
  genuineHost?: GenuineHostFigures;
  coldStart: Record<'bundle' | 'tsc', { first201Ms: Spread; listeningMs: Spread; samples: unknown[] }>;
  importMs: Record<'bundle' | 'tsc', { wallMs: Spread; cpuMs: Spread }>;
  bare?: PairFigures;
  memory: {
    series: Array<{ requests: number; rssMB: number; heapUsedMB: number; heapTotalMB: number }>;
    retained: Array<{ requests: number; heapUsedMB: number; rssMB: number }>;
    rssAt10kMB: number;
    rssAt20kMB: number;
    slopeMBPer10k: number;
    retainedSlopeMBPer10k: number;
  };
  targets: Target[];
}

function digits(v: number): number {
  const a = Math.abs(v);
  return a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
}

function num(v: number, d = digits(v)): string {
  return Number.isFinite(v) ? v.toFixed(d) : 'n/a';
}

/** median (min–max) */
function fmt(s: Spread | undefined, d?: number): string {
  if (!s) return 'n/a';
  const dd = d ?? digits(s.median);
  return `${num(s.median, dd)} (${num(s.min, dd)}–${num(s.max, dd)})`;
}

function cores(f: ModeFigures, key: string): string {
  const values = (f.rounds as Array<{ cores: Record<string, number> }>)
    .map((r) => r.cores[key])
    .filter((v): v is number => v !== undefined);
  if (values.length === 0) return 'n/a';
  return (values.reduce((a, b) => a + b, 0) / values.length).toFixed(2);
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.meta;
  const lines: string[] = [];
  const headline = String(m.settings.headline);
  lines.push('# Benchmark results');
  lines.push('');
  lines.push(
    `${m.date.slice(0, 16).replace('T', ' ')} UTC, commit ${m.commit}; Node ${m.node}, Azurite ${m.azurite} (in memory), @azure/data-tables ${m.dataTables}, ` +
      `@azure/functions ${m.functions}, autocannon ${m.autocannon}; ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB. ` +
      `Load average ${m.loadavgStart.map((v) => v.toFixed(1)).join('/')} at the start, ${m.loadavgEnd.map((v) => v.toFixed(1)).join('/')} at the end; the run took ${m.durationS.toFixed(0)} s, ` +
      `of which ${m.quietWaitS.toFixed(0)} s waiting for other processes to quiet down; ${m.contendedRetries} round sets were re-run because other processes used more than ${String(m.settings.contendedCores)} cores during them.`,
  );
  lines.push('');
  lines.push(
    `Each cell: median (min–max) over ${String(m.settings.rounds)} rounds of ${Number(m.settings.durationMs) / 1000} s at C concurrent clients; raw and end-to-end rounds interleaved, a fresh partition each. ` +
      `End-to-end = autocannon → local runner → ${String(m.settings.appUnderLoad)} → Azurite. Raw = @azure/data-tables from a separate Node process with the SDK's defaults. ` +
      'Ratios are per round pair (each end-to-end round ÷ the raw round run beside it). CPU = ms of process CPU (user + system) per request: the function process for end-to-end, the raw client for raw.',
  );
  lines.push('');
  lines.push('## POST (create) against a raw client sending the same transaction, and against raw `createEntity`');
  lines.push('');
  lines.push(
    'Raw transaction = one entity-group transaction holding what the app writes for one create: the row and the counter slot replaced under the ETag ' +
      'kept from the previous answer (bench/raw-client.ts). Raw insert = `createEntity` of the same row. Azurite runs a two-operation transaction ' +
      'at about half the rate of a single insert, so the transaction is the fair baseline.',
  );
  lines.push('');
  lines.push(
    '| C | raw transaction req/s | raw insert req/s | e2e req/s | e2e ÷ transaction | e2e ÷ insert | transaction p99 ms | e2e p99 ms | e2e ÷ transaction p99 | raw client CPU ms/op | function CPU ms/op |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [c, f] of Object.entries(r.post)) {
    lines.push(
      `| ${c} | ${fmt(f.raw.throughput, 0)} | ${fmt(f.insert?.throughput, 0)} | ${fmt(f.e2e.throughput, 0)} | ${fmt(f.ratio.throughput, 2)} | ${fmt(f.ratioToInsert, 2)} | ` +
        `${fmt(f.raw.p99, 2)} | ${fmt(f.e2e.p99, 2)} | ${fmt(f.ratio.p99, 2)} | ${fmt(f.raw.cpuMsPerOp, 3)} | ${fmt(f.e2e.cpuMsPerOp, 3)} |`,
    );
  }
  if (r.postWithCrid) {
    const f = r.postWithCrid;
    lines.push('');
    lines.push(
      `With a fresh \`client-request-id\` on every POST (as Graph SDKs send one), at C = ${headline}, against the raw transaction with the idempotency record as its third operation: ` +
        `${fmt(f.e2e.throughput, 0)} req/s vs ${fmt(f.raw.throughput, 0)} (${fmt(f.ratio.throughput, 2)} ×), p99 ${fmt(f.e2e.p99, 2)} vs ${fmt(f.raw.p99, 2)} ms, ` +
        `function CPU ${fmt(f.e2e.cpuMsPerOp, 3)} ms per request.`,
    );
  }
  if (r.bare) {
    const b = r.bare;
    lines.push('');
    lines.push(
      `The floor for any HTTP front, at C = ${headline}: a bare node:http server that only parses the JSON and calls \`createEntity\` (bench/bare-server.ts), in the same round sets: ` +
        `${fmt(b.e2e.throughput, 0)} req/s (${fmt(b.ratio.throughput, 2)} × raw createEntity), p99 ${fmt(b.e2e.p99, 2)} ms (${fmt(b.ratio.p99, 2)} × raw), ${fmt(b.e2e.cpuMsPerOp, 3)} ms CPU per request.`,
    );
  }
  lines.push('');
  lines.push('Where the CPU went during the POST rounds (mean cores busy; 2.00 = both cores saturated):');
  lines.push('');
  lines.push('| C | rounds | machine | Azurite | function process | raw client | load generator | other processes |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const [c, f] of Object.entries(r.post)) {
    lines.push(
      `| ${c} | raw | ${cores(f.raw, 'machine')} | ${cores(f.raw, 'azurite')} | ${cores(f.raw, 'function')} | ${cores(f.raw, 'raw')} | ${cores(f.raw, 'loadgen')} | ${cores(f.raw, 'others')} |`,
    );
    lines.push(
      `| ${c} | e2e | ${cores(f.e2e, 'machine')} | ${cores(f.e2e, 'azurite')} | ${cores(f.e2e, 'function')} | ${cores(f.e2e, 'raw')} | ${cores(f.e2e, 'loadgen')} | ${cores(f.e2e, 'others')} |`,
    );
  }
  lines.push('');
  lines.push(
    `Azurite's own CPU per operation (median): ${Object.entries(r.post)
      .map(
        ([c, f]) =>
          `C = ${c}: ${num(f.raw.azuriteCpuMsPerOp?.median ?? NaN, 3)} ms for raw, ${num(f.e2e.azuriteCpuMsPerOp?.median ?? NaN, 3)} ms for end-to-end`,
      )
      .join('; ')}.`,
  );
  const h = r.post[headline];
  if (h?.raw.azuriteCpuMsPerOp && h.e2e.azuriteCpuMsPerOp) {
    const rawPath = h.raw.cpuMsPerOp.median + h.raw.azuriteCpuMsPerOp.median;
    const e2ePath = h.e2e.cpuMsPerOp.median + h.e2e.azuriteCpuMsPerOp.median + (h.e2e.loadGenCpuMsPerOp?.median ?? 0);
    // Two ceilings: all the machine's cores over the CPU a request needs from every process on its path,
    // and Azurite's one core (it runs on one thread) over what it spends per request.
    const ceiling = (pathMs: number, azuriteMs: number) => Math.min((m.cores * 1000) / pathMs, 1000 / azuriteMs);
    const rawCeiling = ceiling(rawPath, h.raw.azuriteCpuMsPerOp.median);
    const e2eCeiling = ceiling(e2ePath, h.e2e.azuriteCpuMsPerOp.median);
    lines.push('');
    lines.push(
      `CPU per request over every process on the path, medians at C = ${headline}: raw ${num(rawPath, 2)} ms (client ${num(h.raw.cpuMsPerOp.median, 2)} + Azurite ${num(h.raw.azuriteCpuMsPerOp.median, 2)}); ` +
        `end-to-end ${num(e2ePath, 2)} ms (function ${num(h.e2e.cpuMsPerOp.median, 2)}, of which ${num(h.e2e.systemMsPerOp?.median ?? NaN, 2)} in the kernel, + Azurite ${num(h.e2e.azuriteCpuMsPerOp.median, 2)} + autocannon ${num(h.e2e.loadGenCpuMsPerOp?.median ?? NaN, 2)}). ` +
        `Ceilings, the lower of ${m.cores} cores ÷ that CPU and Azurite's single thread ÷ its share: raw ${num(rawCeiling, 0)} req/s (measured ${num(h.raw.throughput.median, 0)}), ` +
        `end-to-end ${num(e2eCeiling, 0)} req/s (measured ${num(h.e2e.throughput.median, 0)}), so end-to-end can reach at most ${num(e2eCeiling / h.raw.throughput.median, 2)} × the raw figure on this machine.`,
    );
  }
  lines.push('');
  lines.push(`## Reads at C = ${headline}`);
  lines.push('');
  const readRow = (name: string, rf: ReadFigures, rawName: string) => {
    if (!rf.available || !rf.figures) return `| ${name} | not available: the app answered ${rf.probeStatus ?? 'nothing'} | | | | | | |`;
    const f = rf.figures;
    return (
      `| ${name} (raw: ${rawName}) | ${fmt(f.raw.throughput, 0)} | ${fmt(f.e2e.throughput, 0)} | ${fmt(f.ratio.throughput, 2)} | ${fmt(f.raw.p99, 2)} | ${fmt(f.e2e.p99, 2)} | ` +
      `${fmt(f.raw.cpuMsPerOp, 3)} | ${fmt(f.e2e.cpuMsPerOp, 3)} |`
    );
  };
  lines.push('| request | raw req/s | e2e req/s | e2e ÷ raw | raw p99 ms | e2e p99 ms | raw CPU ms/op | function CPU ms/op |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  lines.push(readRow('GET item', r.reads.item, '`getEntity`'));
  lines.push(
    readRow(
      `GET list, $top=100${r.reads.list.pageSize !== undefined ? ` (page of ${r.reads.list.pageSize}${r.reads.list.hasNextLink ? ' with @odata.nextLink' : ''})` : ''}`,
      r.reads.list,
      '`listEntities`, one page of 100',
    ),
  );
  lines.push('');
  if (r.localDefaults?.post || r.localDefaults?.get) {
    lines.push(`## Local defaults (request journal kept) against the deployed settings, at C = ${headline}`);
    lines.push('');
    lines.push(
      "Two function processes on one Azurite, one with the deployed settings (MOCK_ADMIN=off, MOCK_CONTROLS=off) and one with local.settings.json's " +
        '(MOCK_ADMIN=on, MOCK_CONTROLS=on, MOCK_JOURNAL=on by default); their rounds run back to back, the ratio is per pair.',
    );
    lines.push('');
    lines.push(
      '| request | deployed req/s | local req/s | local ÷ deployed | deployed p99 ms | local p99 ms | deployed CPU ms/op | local CPU ms/op |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, f] of [
      ['POST', r.localDefaults.post],
      ['GET item', r.localDefaults.get],
    ] as const) {
      if (!f) continue;
      lines.push(
        `| ${name} | ${fmt(f.deployed.throughput, 0)} | ${fmt(f.local.throughput, 0)} | ${fmt(f.ratio, 2)} | ${fmt(f.deployed.p99, 2)} | ${fmt(f.local.p99, 2)} | ` +
          `${fmt(f.deployed.cpuMsPerOp, 3)} | ${fmt(f.local.cpuMsPerOp, 3)} |`,
      );
    }
    lines.push('');
  }
  lines.push(...genuineHostSection(r));
  lines.push('## Start-up');
  lines.push('');
  lines.push('| figure | esbuild bundle (dist/package) | tsc output (dist/src) |');
  lines.push('|---|---:|---:|');
  lines.push(`| entry-module import, ms | ${fmt(r.importMs.bundle.wallMs, 0)} | ${fmt(r.importMs.tsc.wallMs, 0)} |`);
  lines.push(`| CPU time of that import (all threads), ms | ${fmt(r.importMs.bundle.cpuMs, 0)} | ${fmt(r.importMs.tsc.cpuMs, 0)} |`);
  lines.push(`| process start → listening, ms | ${fmt(r.coldStart.bundle.listeningMs, 0)} | ${fmt(r.coldStart.tsc.listeningMs, 0)} |`);
  lines.push(
    `| process start → first 201, ms (Azurite up) | ${fmt(r.coldStart.bundle.first201Ms, 0)} | ${fmt(r.coldStart.tsc.first201Ms, 0)} |`,
  );
  lines.push('');
  lines.push('## Memory');
  lines.push('');
  const mem = r.memory;
  lines.push(
    `RSS of a fresh function process (bundle) under POSTs at C = ${String(m.settings.memoryConcurrency)}: ${mem.series.map((s) => `${s.requests / 1000}k: ${s.rssMB.toFixed(0)} MB`).join(', ')}. ` +
      `Slope over 10k–20k: ${mem.slopeMBPer10k.toFixed(1)} MB per 10k requests.`,
  );
  lines.push('');
  lines.push(
    `Live heap after a full GC, every 2k requests from 20k on: ${mem.retained.map((s) => `${s.requests / 1000}k: ${s.heapUsedMB.toFixed(1)} MB`).join(', ')} ` +
      `(slope ${mem.retainedSlopeMBPer10k.toFixed(2)} MB per 10k requests).`,
  );
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push('| target | measured | met |');
  lines.push('|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  lines.push('');
  return lines.join('\n');
}

/** The genuine host's table: against raw in the same round pairs, and against the runner's medians of this run. */
function genuineHostSection(r: BenchResults): string[] {
  const headline = String(r.meta.settings.headline);
  const g = r.genuineHost;
  const lines = [`## The genuine Functions host at C = ${headline}`, ''];
  if (!g) return [];
  if (!g.available) return [...lines, `Not measured: ${g.reason ?? 'the host did not start'}.`, ''];
  lines.push(
    `autocannon → the Azure Functions host (../shared/functions-host, Kestrel + gRPC) → its Node worker (${g.workers ?? 1} process) → dist/package → Azurite, ` +
      'the path Azure runs. Each host round runs beside a raw round, alternating which goes first; host ÷ raw is per pair. ' +
      'CPU = the host process plus its Node worker, from /proc/<pid>/stat, per request answered. Runner = the local runner path of this run (POST at the same C; GET item from the reads).',
  );
  lines.push('');
  lines.push(
    '| request | raw req/s | host req/s | host ÷ raw | raw p99 ms | host p99 ms | host ÷ raw p99 | raw CPU ms/op | host + worker CPU ms/op (host, worker) | host ÷ runner req/s | host ÷ runner CPU |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const row = (
    name: string,
    f: PairFigures | undefined,
    cpu: { host: Spread; worker: Spread } | undefined,
    runner: PairFigures | undefined,
  ) => {
    if (!f) return `| ${name} | not available | | | | | | | | | |`;
    const vs = (a: number, b: number | undefined) => (b ? num(a / b, 2) : 'n/a');
    return (
      `| ${name} | ${fmt(f.raw.throughput, 0)} | ${fmt(f.e2e.throughput, 0)} | ${fmt(f.ratio.throughput, 2)} | ${fmt(f.raw.p99, 2)} | ${fmt(f.e2e.p99, 2)} | ${fmt(f.ratio.p99, 2)} | ` +
      `${fmt(f.raw.cpuMsPerOp, 3)} | ${fmt(f.e2e.cpuMsPerOp, 3)} (${num(cpu?.host.median ?? NaN, 3)}, ${num(cpu?.worker.median ?? NaN, 3)}) | ` +
      `${vs(f.e2e.throughput.median, runner?.e2e.throughput.median)} | ${vs(f.e2e.cpuMsPerOp.median, runner?.e2e.cpuMsPerOp.median)} |`
    );
  };
  lines.push(row('POST', g.post, g.postCpu, r.post[headline]));
  lines.push(row('GET item', g.getItem, g.getItemCpu, r.reads.item.figures));
  lines.push('');
  return lines;
}

// ---- chart: two panels, throughput and p99 against C, raw and end-to-end ----

const COLORS = { raw: '#1f6feb', insert: '#8c959f', e2e: '#d1242f' };

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function tickLabel(v: number): string {
  return v >= 10 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
}

/** One panel: medians joined by lines, a bar from min to max at each C; a log scale spans ms to seconds. */
function panel(
  x0: number,
  title: string,
  yLabel: string,
  cs: string[],
  series: Array<{ name: string; color: string; points: Spread[] }>,
  log = false,
  xLabel = 'concurrent clients C',
): string {
  const w = 420;
  const left = x0 + 64;
  const right = x0 + w - 15;
  const top = 50;
  const bottom = 270;
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.min, p.max])).filter((v) => v > 0);
  const yMin = log ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0;
  const yMax = log ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : niceMax(Math.max(...values) * 1.05);
  const frac = (v: number) => (log ? (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) : v / yMax);
  const xAt = (i: number) => left + ((right - left) * (i + 0.5)) / cs.length;
  const yAt = (v: number) => bottom - (bottom - top) * frac(v);
  const ticks: number[] = [];
  if (log) {
    for (let d = yMin; d <= yMax; d *= 10) for (const m of [1, 2, 5]) if (d * m <= yMax) ticks.push(d * m);
  } else {
    for (let k = 0; k <= 5; k++) ticks.push((yMax * k) / 5);
  }
  const out: string[] = [];
  out.push(`<text x="${(left + right) / 2}" y="${top - 18}" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>`);
  for (const v of ticks) {
    const y = yAt(v).toFixed(1);
    out.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${Number(y) + 4}" text-anchor="end" font-size="11">${tickLabel(v)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  cs.forEach((c, i) => out.push(`<text x="${xAt(i)}" y="${bottom + 16}" text-anchor="middle" font-size="11">${c}</text>`));
  out.push(`<text x="${(left + right) / 2}" y="${bottom + 36}" text-anchor="middle" font-size="12">${xLabel}</text>`);
  out.push(
    `<text transform="translate(${x0 + 16} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${yLabel}</text>`,
  );
  for (const s of series) {
    const pts = s.points.map((p, i) => `${xAt(i).toFixed(1)},${yAt(p.median).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    s.points.forEach((p, i) => {
      const x = xAt(i);
      out.push(
        `<line x1="${x}" x2="${x}" y1="${yAt(p.min).toFixed(1)}" y2="${yAt(p.max).toFixed(1)}" stroke="${s.color}" stroke-width="1"/>`,
      );
      out.push(
        `<circle cx="${x}" cy="${yAt(p.median).toFixed(1)}" r="3.5" fill="${s.color}"><title>${s.name} ${cs[i]}: ${p.median.toFixed(2)} (${p.min.toFixed(2)}–${p.max.toFixed(2)})</title></circle>`,
      );
    });
  }
  return out.join('\n');
}

export function renderChart(r: BenchResults): string {
  const cs = Object.keys(r.post);
  const raw = cs.map((c) => r.post[c]!.raw);
  const insert = cs.map((c) => r.post[c]!.insert);
  const e2e = cs.map((c) => r.post[c]!.e2e);
  const withInsert = insert.every((f) => f !== undefined);
  const width = 860;
  const height = 390;
  const series = (pick: (f: ModeFigures) => Spread) => [
    { name: 'raw transaction', color: COLORS.raw, points: raw.map(pick) },
    ...(withInsert ? [{ name: 'raw createEntity', color: COLORS.insert, points: insert.map((f) => pick(f)) }] : []),
    { name: 'end-to-end POST', color: COLORS.e2e, points: e2e.map(pick) },
  ];
  const body = [
    panel(
      0,
      'POST throughput',
      'requests per second',
      cs,
      series((f) => f.throughput),
    ),
    panel(
      430,
      'POST p99 latency',
      'p99 latency (ms, log scale)',
      cs,
      series((f) => f.p99),
      true,
    ),
  ];
  const legendY = height - 46;
  const legend = [
    `<rect x="230" y="${legendY - 9}" width="14" height="3" fill="${COLORS.raw}"/><text x="250" y="${legendY - 4}" font-size="12">raw transaction: the row and the counter slot, as the app sends (separate process)</text>`,
    ...(withInsert
      ? [
          `<rect x="230" y="${legendY + 7}" width="14" height="3" fill="${COLORS.insert}"/><text x="250" y="${legendY + 12}" font-size="12">raw @azure/data-tables createEntity of the same row</text>`,
        ]
      : []),
    `<rect x="230" y="${legendY + 23}" width="14" height="3" fill="${COLORS.e2e}"/><text x="250" y="${legendY + 28}" font-size="12">end-to-end POST over HTTP (autocannon → runner → app → Azurite)</text>`,
  ];
  const note = `<text x="${width / 2}" y="16" text-anchor="middle" font-size="11" fill="#555">median, bar = min–max over ${String(r.meta.settings.rounds)} rounds; ${r.meta.cores} cores, Azurite ${r.meta.azurite}, Node ${r.meta.node}, ${r.meta.date.slice(0, 10)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${note}\n${body.join('\n')}\n${legend.join('\n')}\n</svg>\n`
  );
}

/**
 * bench/sizes.ts: two panels against the size of the configuration, log scale: the app's CPU per request
 * (median, bar = min–max) and Azurite's CPU per request, one line per operation.
 */
export function renderSizesChart(sizes: string[], series: Array<{ name: string; app: Spread[]; azurite: number[] }>): string {
  const palette = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0a7ea4', '#cf222e', '#6e7781', '#953800'];
  const coloured = series.map((s, i) => ({ ...s, color: palette[i % palette.length]! }));
  const point = (v: number): Spread => ({ min: v, median: v, max: v, rounds: [v] });
  const legend = coloured.map(
    (s, i) =>
      `<rect x="${40 + (i % 5) * 165}" y="${330 + Math.floor(i / 5) * 20}" width="12" height="12" fill="${s.color}"/><text x="${58 + (i % 5) * 165}" y="${340 + Math.floor(i / 5) * 20}" font-size="12">${s.name}</text>`,
  );
  const body = [
    panel(
      0,
      'The app: CPU per request',
      'ms (log scale)',
      sizes,
      coloured.map((s) => ({ name: s.name, color: s.color, points: s.app })),
      true,
      'assignments in the configuration',
    ),
    panel(
      430,
      'Azurite: CPU per request',
      'ms (log scale)',
      sizes,
      coloured.map((s) => ({ name: s.name, color: s.color, points: s.azurite.map(point) })),
      true,
      'assignments in the configuration',
    ),
  ];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="860" height="380" viewBox="0 0 860 380" font-family="Helvetica, Arial, sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n${legend.join('\n')}\n</svg>\n`
  );
}
