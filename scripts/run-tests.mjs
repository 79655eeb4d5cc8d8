#!/usr/bin/env node
// `npm test`: runs vitest once with the default reporter on the console and a JSON report in
// tmp/vitest-report.json (or $STRATA_TEST_REPORT), then prints the counts. The LAST line is
// always `N passed, N failed`. Exits non-zero when a test failed, a test file failed to load,
// vitest itself failed, or no test ran at all. Extra arguments go to vitest (`npm test -- test/core`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// tmp/ is git-ignored and outside Biome's file set, so a report never fails `npm run lint`.
const report = resolve(root, process.env.STRATA_TEST_REPORT ?? join('tmp', 'vitest-report.json'));
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

if (!existsSync(vitest)) {
  console.error(`vitest is not installed (${vitest} is missing): run npm ci first`);
  console.log('0 passed, 0 failed');
  process.exit(1);
}

// A stale report from an earlier run must never be read as this run's result.
rmSync(report, { force: true });
mkdirSync(dirname(report), { recursive: true });

const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: process.env },
);
const vitestCode = run.status ?? 1;
if (run.error) console.error(`cannot run vitest: ${run.error.message}`);
if (run.signal) console.error(`vitest was killed by ${run.signal}`);

let counts = { passed: 0, failed: 0, skipped: 0, brokenFiles: 0 };
if (existsSync(report)) {
  try {
    counts = countsOf(JSON.parse(readFileSync(report, 'utf8')));
  } catch (error) {
    console.error(`cannot read the JSON report ${report}: ${error.message}`);
  }
} else {
  console.error(`vitest wrote no JSON report (${report})`);
}

const failed = counts.failed + counts.brokenFiles;
console.log('');
if (counts.brokenFiles > 0) {
  console.log(`${counts.brokenFiles} test file(s) failed to load or errored outside a test (counted as failed)`);
}
if (counts.skipped > 0) console.log(`${counts.skipped} skipped`);
if (counts.passed + failed === 0) console.log('no tests ran');
else if (vitestCode !== 0 && failed === 0) console.log(`vitest exited with code ${vitestCode} (unhandled errors or a crash)`);
console.log(`${counts.passed} passed, ${failed} failed`);
process.exit(failed > 0 || counts.passed === 0 || vitestCode !== 0 ? 1 : 0);

/** Counts from vitest's Jest-compatible JSON report. */
function countsOf(json) {
  const files = Array.isArray(json.testResults) ? json.testResults : [];
  // A file that failed to import or threw in a hook has status "failed" and no failed test in it.
  const brokenFiles = files.filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  return {
    passed: json.numPassedTests ?? 0,
    failed: json.numFailedTests ?? 0,
    skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
    brokenFiles,
  };
}
