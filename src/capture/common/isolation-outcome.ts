// Judges an isolation from its step outcomes: is the container contained, and one sentence on what was and was not done.
import type { IsolationMode, IsolationPlan, StepOutcome } from './containment.js';
import { hasProcesses, needsNetwork, needsPause, networkContainability } from './isolation-plan.js';

/** A step is in effect when it was done now or found already done (skipped by idempotent isolate). */
const inEffect = (outcome: StepOutcome | undefined): boolean =>
  outcome !== undefined && (outcome.status === 'done' || outcome.status === 'skipped');

export interface ContainmentFacts {
  mode: IsolationMode;
  status: string;
  networkMode: string;
}

/**
 * True only when everything the mode asks for is in effect on the engine. A container that runs no process needs
 * no pause; one with network mode none needs no network step; one on the host's (or another container's) network
 * cannot be cut off by disconnecting, so in mode "both" it counts as contained only when actually paused, and in
 * mode "network" it never does.
 */
export function isContained(facts: ContainmentFacts, outcomes: readonly StepOutcome[]): boolean {
  const running = hasProcesses(facts.status);
  const pause = outcomes.find((outcome) => outcome.phase === 'contain' && outcome.action === 'pause');
  const pauseOk = !needsPause(facts.mode) || !running || inEffect(pause);
  if (!needsNetwork(facts.mode)) return pauseOk;
  const network = outcomes.filter((outcome) => outcome.phase === 'contain' && outcome.action !== 'pause');
  switch (networkContainability(facts.networkMode)) {
    case 'bridged':
      return pauseOk && network.length > 0 && network.every(inEffect);
    case 'none':
      return pauseOk;
    case 'host':
    case 'shared':
      return facts.mode === 'both' && (!running || inEffect(pause));
  }
}

function containPhrase(outcome: StepOutcome, network: string | undefined): string {
  const skipped = outcome.status === 'skipped';
  switch (outcome.action) {
    case 'pause':
      return skipped ? 'already paused' : 'paused';
    case 'disconnect':
      return `disconnected from ${network ?? 'a network'}`;
    case 'quarantine':
      return skipped ? 'already in the quarantine network' : 'attached to the quarantine network';
    default:
      return outcome.action;
  }
}

/** The network a disconnect step names in its id ("contain-disconnect-<network>"). */
function networkOf(outcome: StepOutcome): string | undefined {
  const prefix = 'contain-disconnect-';
  return outcome.id.startsWith(prefix) ? outcome.id.slice(prefix.length) : undefined;
}

/** One readable sentence: the verdict, what containment did, what failed (with why), and what was collected. */
export function summarizeIsolation(plan: IsolationPlan, outcomes: readonly StepOutcome[], contained: boolean): string {
  const contain = outcomes.filter((outcome) => outcome.phase === 'contain');
  const collect = outcomes.filter((outcome) => outcome.phase === 'collect');
  const effective = contain.filter(inEffect).map((outcome) => containPhrase(outcome, networkOf(outcome)));
  const failed = outcomes
    .filter((outcome) => outcome.status === 'failed')
    .map((outcome) => `${outcome.action}${networkOf(outcome) ? ` ${networkOf(outcome)}` : ''} (${outcome.detail})`);
  const collected = collect.filter((outcome) => outcome.status === 'done').map((outcome) => outcome.action);
  const parts: string[] = [];
  parts.push(
    contained
      ? `Contained ${plan.containerName}${effective.length > 0 ? `: ${effective.join(', ')}` : ''}.`
      : `NOT contained ${plan.containerName}${effective.length > 0 ? `; in effect: ${effective.join(', ')}` : ''}.`,
  );
  if (failed.length > 0) parts.push(`Failed: ${failed.join('; ')}.`);
  parts.push(collected.length > 0 ? `Collected: ${collected.join(', ')}.` : 'Nothing was collected.');
  if (plan.warnings.length > 0) parts.push(plan.warnings.join(' '));
  return parts.join(' ');
}
