/** Where the suite finds its files and the Python that has scikit-learn and statsmodels. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The repository root (this file runs from dist/bench/automl/suite/); AUTOML_SUITE_ROOT overrides it,
 * so a copy of dist/ can run the suite while the sources are rebuilt.
 */
export const root = process.env.AUTOML_SUITE_ROOT ?? path.resolve(__dirname, '..', '..', '..', '..');
/** Generated CSVs, splits and results: never committed (.local/ is ignored). */
export const suiteDir = path.join(root, '.local', 'automl-suite');

/** Debian's python3 first: a pyenv python earlier on PATH usually lacks the Debian packages. */
export function findPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import sklearn, statsmodels'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}
