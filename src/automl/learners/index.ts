/** The learner registry: adding a learner is one file plus one line here. */
import type { Task } from '../pipeline';
import { gbdtLearner } from './gbdt';
import { gbdtLogLearner } from './gbdtLog';
import { extraTreesLearner, randomForestLearner } from './forest';
import { logisticLearner, ridgeLearner } from './linear';
import type { Learner } from './types';

export const LEARNERS: Learner[] = [gbdtLearner, gbdtLogLearner, logisticLearner, ridgeLearner, randomForestLearner, extraTreesLearner];

export function learnerByName(name: string): Learner {
  const l = LEARNERS.find((x) => x.name === name);
  if (!l) throw new Error(`unknown learner ${name}`);
  return l;
}

export function learnersFor(task: Task, allowed?: string[], blocked?: string[]): Learner[] {
  return LEARNERS.filter((l) => l.tasks.includes(task) && (!allowed || allowed.includes(l.name)) && !(blocked ?? []).includes(l.name));
}
