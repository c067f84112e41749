// A terminal into a HoldCell sandbox (never a suspect): xterm.js disarmed (no clipboard, links, DCS or window ops).
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { fromBase64, toBase64 } from '../../ui/base64.js';
import { installCspStyleShim } from '../../ui/csp-style-shim.js';
import { SafeText } from '../../ui/SafeText.js';
import { DISARMED_OPTIONS, disarmTerminal, terminalOutputDecoder } from '../../ui/terminal-disarm.js';

export function TerminalPane({
  client,
  engineId,
  containerId,
}: {
  client: AppClient;
  engineId: string;
  containerId: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('connecting…');

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    installCspStyleShim();
    const terminal = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      ...DISARMED_OPTIONS,
    });
    const disarmed = disarmTerminal(terminal);
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(element);
    fit.fit();
    let sessionId: string | undefined;
    const encoder = new TextEncoder();
    const decode = terminalOutputDecoder();
    const send = (bytes: Uint8Array): void => {
      if (sessionId) void client.capture.terminalInput({ sessionId, base64: toBase64(bytes) }).catch(() => undefined);
    };
    const inputs = [
      terminal.onData((data) => send(encoder.encode(data))),
      terminal.onBinary((data) => send(Uint8Array.from(data, (character) => character.charCodeAt(0) & 0xff))),
      terminal.onResize(({ cols, rows }) => {
        if (sessionId) void client.capture.terminalResize({ sessionId, columns: cols, rows }).catch(() => undefined);
      }),
    ];
    const stop = client.capture.openTerminal(
      { engineId, containerId, columns: Math.max(10, terminal.cols), rows: Math.max(5, terminal.rows) },
      (event) => {
        if (event.type === 'ready') {
          sessionId = event.sessionId;
          setStatus('connected');
          terminal.focus();
        } else if (event.type === 'output') {
          terminal.write(decode(fromBase64(event.base64)));
        } else {
          setStatus(`ended: ${event.reason}`);
        }
      },
      (error) => setStatus(`failed: ${error.message}`),
    );
    const onWindowResize = (): void => fit.fit();
    window.addEventListener('resize', onWindowResize);
    return () => {
      window.removeEventListener('resize', onWindowResize);
      stop();
      for (const input of inputs) input.dispose();
      disarmed.dispose();
      terminal.dispose();
    };
  }, [client, engineId, containerId]);

  return (
    <div className="terminal-pane">
      <p className="muted" role="status" data-testid="terminal-status">
        Sandbox terminal: <SafeText text={status} />
      </p>
      <div ref={host} className="terminal" data-testid="terminal" />
    </div>
  );
}
