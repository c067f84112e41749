// Decides what the replay terminal must do when the instant or session changes: write only the new output, or start over.
//
// Why: xterm cannot un-write. Moving forward in the same session appends the chunks after the last one written;
// moving back, or switching session, resets the terminal and writes the session's output up to the instant.

export interface PlanChunk {
  seq: number;
  direction: 'out' | 'in';
}

/** What the terminal currently shows: which session, up to which instant, and the last chunk written. */
export interface RenderedTerminal {
  session: string;
  untilSeq: number;
  /** -1 when nothing was written yet. */
  lastChunkSeq: number;
}

export interface TerminalPlan<C extends PlanChunk> {
  reset: boolean;
  write: C[];
  next: RenderedTerminal;
}

export function planTerminal<C extends PlanChunk>(
  rendered: RenderedTerminal | undefined,
  session: string,
  untilSeq: number,
  chunks: readonly C[],
): TerminalPlan<C> {
  // Input echoed by the tty already appears in the output; writing reads too would print it twice.
  const output = chunks.filter((chunk) => chunk.direction === 'out' && chunk.seq <= untilSeq);
  const forward = rendered !== undefined && rendered.session === session && untilSeq >= rendered.untilSeq;
  const write = forward ? output.filter((chunk) => chunk.seq > rendered.lastChunkSeq) : output;
  const lastWritten = write.at(-1)?.seq;
  return {
    reset: !forward,
    write,
    next: {
      session,
      untilSeq,
      lastChunkSeq: lastWritten ?? (forward ? rendered.lastChunkSeq : -1),
    },
  };
}
