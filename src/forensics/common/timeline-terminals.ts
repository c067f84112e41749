// Terminal sessions in a replayed trace: the topmost processes that wrote to a terminal, one asciicast each.
import type { TraceReplay } from '../../capture/common/trace/replay.js';

/**
 * Pids of the processes that wrote terminal output while no ancestor of theirs did: each is a session, and an
 * asciicast of it (which includes its descendants) shows everything written under it, in order.
 */
export function terminalSessions(replay: TraceReplay): number[] {
  const writers = new Set<number>();
  for (const chunk of replay.tty) if (chunk.direction === 'out') writers.add(chunk.processId);
  const sessions = new Set<number>();
  for (const id of writers) {
    let top = id;
    // Parents are created before their children, so the walk ends; the step bound guards a malformed record anyway.
    for (let record = replay.processes[id], steps = 0; record !== undefined && steps < 100_000; steps++) {
      if (writers.has(record.id)) top = record.id;
      record = record.parentId === null ? undefined : replay.processes[record.parentId];
    }
    const pid = replay.processes[top]?.pid;
    if (pid !== undefined) sessions.add(pid);
  }
  return [...sessions].sort((a, b) => a - b);
}
