/**
 * Runs the bench modules in sequence (`npm run bench`, or `node dist/bench/run.js append` for a
 * subset), prints each report and stores it as bench/results/<name>-<date>.json (git-ignored).
 * To add a module: export a `() => Promise<BenchReport>` and list it below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAppendBench } from './append.js';
import { runProjectionsBench } from './projections.js';
import { runHttpBench } from './http.js';
import { runStorePgBench } from './store-pg.js';
import { runGrowthBench } from './growth.js';
import { type BenchReport, formatReport } from './report.js';

const BENCHES: Array<{ name: string; run: () => Promise<BenchReport> }> = [
  { name: 'append', run: runAppendBench },
  { name: 'projections', run: runProjectionsBench },
  { name: 'http', run: runHttpBench },
  { name: 'store-pg', run: runStorePgBench },
  { name: 'growth', run: runGrowthBench },
];

// Compiled to dist/bench/run.js: the results folder is the source tree's bench/results.
const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  const selected = wanted.length ? BENCHES.filter((b) => wanted.includes(b.name)) : BENCHES;
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const bench of selected) {
    console.log(`running bench ${bench.name}…`);
    const report = await bench.run();
    console.log(`${formatReport(report)}\n`);
    const file = join(RESULTS_DIR, `${report.name}-${report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`written ${file}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
