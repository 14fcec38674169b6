/** A run's phase marks as spans with durations: what the timeline draws. */
import type { PhaseMark } from '../../pipeline/runs';

export interface PhaseSpan {
  phase: string;
  /** ISO times. */
  start: string;
  end: string;
  seconds: number;
  /** The phase the run is in now (its end is `now`). */
  current: boolean;
}

const TERMINAL = new Set(['completed', 'failed']);

/**
 * Each phase lasts from its mark to the next one. The last mark of a finished run (completed/failed)
 * is an instant and gets no span; the last mark of a running run lasts until `now`.
 */
export function phaseSpans(phases: PhaseMark[], now: Date): PhaseSpan[] {
  const marks = [...phases].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const spans: PhaseSpan[] = [];
  marks.forEach((m, i) => {
    const next = marks[i + 1];
    if (!next && TERMINAL.has(m.phase)) return;
    const end = next ? next.at : now.toISOString();
    spans.push({ phase: m.phase, start: m.at, end, seconds: Math.max(0, (Date.parse(end) - Date.parse(m.at)) / 1000), current: !next });
  });
  return spans;
}
