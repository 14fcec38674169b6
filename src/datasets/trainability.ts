/**
 * What training will refuse, found at registration instead of minutes into a run. The limits mirror
 * the local AutoML engine (src/automl/featurize.ts detectTarget, src/automl/automl.ts runAutoML):
 * - at most 100 classes (MAX_CLASSES);
 * - every class needs rows for cross-validation: AutoML runs k = min(cvFolds, smallest class) folds and
 *   refuses a class with fewer than 2 rows (its least k);
 * - an integer target with more than 10 distinct values is regressed by AutoML, not classified, so
 *   the class rules do not apply to it.
 * A deployment whose training runs more folds regardless (Azure ML's nCrossValidations) raises
 * DATASET_MIN_CLASS_ROWS to that number.
 */
import { DatasetRejection } from './errors';
import type { DatasetProfile } from './profile';
import type { DatasetSettings } from './settings';

/** AutoML classifies an integer target only up to this many distinct values (src/automl/featurize.ts). */
const AUTOML_INTEGER_CLASSES = 10;

export type TrainabilityLimits = Pick<DatasetSettings, 'maxClasses' | 'minClassRows'>;

/** The problems training would refuse (empty when none). */
export function trainabilityProblems(profile: Pick<DatasetProfile, 'target' | 'columnProfiles'>, limits: TrainabilityLimits): DatasetRejection[] {
  const t = profile.target;
  if (t.task !== 'classification' || !t.classes) return [];
  const type = profile.columnProfiles[t.index]?.type;
  if (type === 'integer' && t.classes.length > AUTOML_INTEGER_CLASSES) return [];
  const at = { column: t.index + 1, columnName: t.name };
  const out: DatasetRejection[] = [];
  if (t.classes.length > limits.maxClasses) {
    out.push(
      new DatasetRejection(
        'TOO_MANY_CLASSES',
        `column ${at.column} ("${t.name}"): the target has ${t.classes.length} classes; training accepts at most ${limits.maxClasses} (DATASET_MAX_CLASSES)`,
        at,
      ),
    );
  }
  const small = t.classes.filter((c) => c.count < limits.minClassRows);
  if (small.length > 0) {
    const shown =
      small
        .slice(0, 5)
        .map((c) => `"${c.value}" (${c.count})`)
        .join(', ') + (small.length > 5 ? `, and ${small.length - 5} more` : '');
    out.push(
      new DatasetRejection(
        'CLASS_TOO_SMALL',
        `column ${at.column} ("${t.name}"): ${small.length} class(es) with fewer than ${limits.minClassRows} rows, too few for cross-validation (DATASET_MIN_CLASS_ROWS): ${shown}`,
        at,
      ),
    );
  }
  return out;
}
