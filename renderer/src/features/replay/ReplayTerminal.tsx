// The chosen terminal session replayed in xterm.js up to the instant: colours and cursor moves render, nothing else acts.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { fromBase64 } from '../../ui/base64.js';
import { installCspStyleShim } from '../../ui/csp-style-shim.js';
import { SafeText } from '../../ui/SafeText.js';
import { DISARMED_OPTIONS, disarmTerminal, terminalOutputDecoder } from '../../ui/terminal-disarm.js';
import { formatTty, type TtyRef } from './replay-route.js';
import { planTerminal, type RenderedTerminal } from './terminal-plan.js';

interface Shown {
  chunks: number;
  truncated: boolean;
}

/** "OSC 52 ×2, DCS $q ×1": what the disarm swallowed from the output shown, most frequent first. */
function ignoredText(counts: ReadonlyMap<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([sequence, count]) => `${sequence} ×${count}`)
    .join(', ');
}

export function ReplayTerminal({
  client,
  replayId,
  session,
  seq,
}: {
  client: AppClient;
  replayId: string;
  session: TtyRef;
  seq: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | undefined>(undefined);
  const rendered = useRef<RenderedTerminal | undefined>(undefined);
  const decode = useRef(terminalOutputDecoder());
  const [shown, setShown] = useState<Shown>();
  const [error, setError] = useState<string>();
  // Sequences the disarm swallowed in what the terminal shows now: the evidence tried to drive the reader's terminal.
  const ignoredCounts = useRef(new Map<string, number>());
  const [ignored, setIgnored] = useState({ total: 0, text: '' });

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    installCspStyleShim();
    const created = new Terminal({
      // The tty's line discipline (ONLCR) turned each \n the program wrote into \r\n on the screen.
      convertEol: true,
      disableStdin: true,
      cursorBlink: false,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      scrollback: 10_000,
      ...DISARMED_OPTIONS,
    });
    const disarmed = disarmTerminal(created, (sequence) => {
      const counts = ignoredCounts.current;
      counts.set(sequence, (counts.get(sequence) ?? 0) + 1);
      setIgnored({ total: [...counts.values()].reduce((sum, count) => sum + count, 0), text: ignoredText(counts) });
    });
    const fit = new FitAddon();
    created.loadAddon(fit);
    created.open(element);
    fit.fit();
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(element);
    terminal.current = created;
    rendered.current = undefined;
    return () => {
      resize.disconnect();
      disarmed.dispose();
      created.dispose();
      terminal.current = undefined;
    };
  }, []);

  const key = `${replayId}/${formatTty(session)}`;
  useEffect(() => {
    let current = true;
    // Moving forward in the same session: ask only for what the terminal has not shown yet.
    const before = rendered.current;
    const forward = before !== undefined && before.session === key && seq >= before.untilSeq;
    const fromSeq = forward ? before.lastChunkSeq + 1 : 0;
    client.replay.replayTerminal({ replayId, fromSeq, untilSeq: seq, pid: session.pid, fd: session.fd }).then(
      (answer) => {
        const target = terminal.current;
        if (!current || !target) return;
        const plan = planTerminal(rendered.current, key, seq, answer.chunks);
        if (plan.reset) {
          target.reset();
          decode.current = terminalOutputDecoder();
          ignoredCounts.current.clear();
          setIgnored({ total: 0, text: '' });
        }
        for (const chunk of plan.write) target.write(decode.current(fromBase64(chunk.base64)));
        rendered.current = plan.next;
        setError(undefined);
        const written = answer.chunks.filter((chunk) => chunk.direction === 'out').length;
        setShown((previous) =>
          plan.reset || previous === undefined
            ? { chunks: written, truncated: answer.truncated }
            : { chunks: previous.chunks + written, truncated: previous.truncated || answer.truncated },
        );
      },
      (failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      current = false;
    };
  }, [client, replayId, key, session.pid, session.fd, seq]);

  return (
    <div className="terminal-pane replay-terminal">
      <p className="muted" role="status" data-testid="replay-terminal-status">
        Output of pid {session.pid} fd {session.fd} up to seq {seq}
        {shown ? ` · ${shown.chunks} writes` : ''}
        {shown?.truncated ? ' · older output left out (byte cap)' : ''} · replayed, not live: escapes for clipboard,
        links, titles and window operations are ignored
        {ignored.total > 0 ? (
          <span className="warning" data-testid="replay-terminal-ignored" data-ignored={ignored.text}>
            {' '}
            · {ignored.total} such sequence{ignored.total === 1 ? '' : 's'} in this output: {ignored.text}
          </span>
        ) : null}
      </p>
      {error ? (
        <p className="job job-failed" role="alert">
          Terminal output failed: <SafeText text={error} />
        </p>
      ) : null}
      <div ref={host} className="terminal" data-testid="replay-terminal" />
    </div>
  );
}
