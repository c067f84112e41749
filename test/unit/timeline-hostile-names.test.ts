// A file with a hostile name (terminal escape, bidi override, newline, a byte that is not UTF-8) seen by the diff and
// by a trace: one name on the timeline, escaped exactly once in the row, the details, the report and the CSV export.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { displayByteString } from '../../src/forensics/common/byte-text.js';
import type { DiffEntry } from '../../src/forensics/common/diff-model.js';
import { displayPath } from '../../src/forensics/common/display-path.js';
import { assembleReport } from '../../src/forensics/common/report-assemble.js';
import { renderReportText } from '../../src/forensics/common/report-render.js';
import { plasoCsvRow, timesketchLine } from '../../src/forensics/common/timeline-exports.js';
import { diffEvents } from '../../src/forensics/common/timeline-filesystem.js';
import { rawDetail, rawEntryName, rawFromDisplay } from '../../src/forensics/common/timeline-raw-text.js';
import { traceEvents } from '../../src/forensics/common/timeline-trace.js';
import { EventDetails } from '../../renderer/src/features/timeline/EventDetails.js';
import { TimelineRow } from '../../renderer/src/features/timeline/TimelineRow.js';
import { diffLink } from '../../renderer/src/features/timeline/timeline-links.js';
import type { Annotations } from '../../renderer/src/features/timeline/use-annotations.js';
import { findingsOf, meta } from './findings-fixtures.js';
import { incidentInputs } from './report-fixtures.js';

/** The name's bytes (one char per byte): ESC [31m, U+202E (RIGHT-TO-LEFT OVERRIDE) in UTF-8, a newline, 0xff. */
const BYTES = 'tmp/ev\x1b[31m\xe2\x80\xaegnp.sh\n\xffz';
/** The same name as the trace parser gives it: UTF-8 decoded, the lone 0xff as U+DCFF. */
const RAW = '/tmp/ev\u001b[31m\u202egnp.sh\n\udcffz';
/** Escaped once, as every view shows raw evidence strings. */
const ONCE = String.raw`/tmp/ev\x1b[31m\u{202e}gnp.sh\n\xffz`;
/** What a second escaping makes of the first escape: must appear nowhere. */
const TWICE = String.raw`ev\\x1b`;

const FS_ITEM = { itemId: 'fs-export-c0ffee', sha256: 'e'.repeat(64), engineId: 'default', containerId: '9f71' };

async function hostileEntry(): Promise<DiffEntry> {
  const after = meta({ mode: 0o755 });
  // The real findings rules, so the detail quotes the display path exactly as the diff engine writes it.
  const findings = await findingsOf(
    { path: displayByteString(BYTES), bytePath: BYTES, change: 'added', after },
    { container: { [BYTES]: '#!/bin/sh\n' } },
  );
  return { ...displayPath(BYTES), change: 'added', after, findings };
}

/** The same file written by a traced shell (strace prints non-ASCII bytes as octal escapes). */
function tracedWrite() {
  const replay = new TraceReplay();
  const parser = new StraceParser((event) => replay.apply(event), {});
  parser.line(
    String.raw`8049  1795397261.740429 openat(AT_FDCWD, "/tmp/ev\33[31m\342\200\256gnp.sh\n\377z", O_WRONLY|O_CREAT|O_TRUNC, 0755) = 3`,
  );
  parser.end();
  replay.finish();
  const { events } = traceEvents(replay, [], { itemId: 'trace-1', sha256: 'c'.repeat(64) });
  return events.find((event) => event.kind === 'file.write');
}

const annotations: Annotations = {
  list: [],
  byEvent: new Map(),
  bookmarked: [],
  error: undefined,
  busy: false,
  add: async () => undefined,
  withdraw: async () => undefined,
};

describe('given a diff entry whose name carries ESC, a bidi override, a newline and a byte that is not UTF-8', async () => {
  const entry = await hostileEntry();
  const { events, problems } = diffEvents([entry], FS_ITEM, { exportAcquiredAt: '2026-11-22T10:10:00Z' });
  const event = events[0];
  if (event === undefined) throw new Error('no filesystem event');

  it('when it becomes a timeline event, then the event holds the real name, the same string a trace gives it', () => {
    expect(problems).toEqual([]);
    expect(entry.path).toBe(String.raw`tmp/ev\x1b[31m\u{202e}gnp.sh\n\xffz`);
    expect(entry.findings.map((finding) => finding.rule)).toContain('executable-in-temp');
    expect(event.subject.path).toBe(RAW);
    expect(event.evidence?.locator).toBe(`path ${RAW}`);
    expect(event.attributes['pathBase64']).toBe(entry.pathBase64);
    // The finding's detail quotes the name (relative, as the diff writes it) raw too.
    expect(event.summary).toMatch(/^\/tmp\/ev\u001b\[31m\u202egnp\.sh\n\udcffz added: tmp\/ev\u001b\[31m\u202egnp/);
    expect(event.summary).toContain(`${RAW.slice(1)}: new executable`);
    expect(event.summary).not.toContain('\\');
    // The path filter is a prefix of subject.path: the trace's write and the diff's entry are found together.
    expect(tracedWrite()?.subject.path).toBe(event.subject.path);
  });

  it('when the list draws its row, then the summary shows the name escaped once', () => {
    const html = renderToStaticMarkup(
      createElement(TimelineRow, {
        row: { o: 0, k: '0', e: event },
        index: 0,
        count: 1,
        selected: false,
        bookmarked: false,
        notes: 0,
        withDate: false,
        onSelect: () => undefined,
      }),
    );
    expect(html).toContain(`>${ONCE} added: ${ONCE.slice(1)}: new executable`);
    expect(html).not.toContain(TWICE);
    expect(html).not.toMatch(/[\u001b\u202e\n\udcff]/);
  });

  it('when the details are shown, then path and locator are escaped once and the diff link opens that entry', () => {
    const html = renderToStaticMarkup(createElement(EventDetails, { caseDir: '/cases/c', event, annotations }));
    expect(html).toContain(`<dt>Path</dt><dd><span class="mono escaped" title="${ONCE}">${ONCE}</span></dd>`);
    expect(html).toContain(`path ${ONCE}`);
    expect(html).not.toContain(TWICE);
    expect(html).not.toMatch(/[\u001b\u202e\n\udcff]/);
    // The diff view names entries by their raw bytes: the link carries the entry's own pathBase64.
    const link = diffLink('/cases/c', event);
    expect(link).toBe(`#/diff?case=%2Fcases%2Fc&path=${encodeURIComponent(entry.pathBase64 ?? '')}`);
    expect(html).toContain(`href="${link?.replace(/&/g, '&amp;')}"`);
    expect(Buffer.from(entry.pathBase64 ?? '', 'base64').toString('latin1')).toBe(BYTES);
  });

  it('when the report cites it as a key event, then its Markdown and HTML lines show the name escaped once', () => {
    const inputs = incidentInputs();
    if ('problem' in inputs.timeline || 'problem' in inputs.diff) throw new Error('fixture without timeline or diff');
    inputs.timeline.events = [event];
    inputs.diff.entries = [entry];
    const model = assembleReport(inputs);
    const markdown = renderReportText(model, 'md');
    const html = renderReportText(model, 'html');
    // Markdown escapes its own punctuation ("\" and "[") with a backslash; what it renders is ONCE.
    const markdownOnce = ONCE.replace(/[\\[]/g, (character) => `\\${character}`);
    const line = markdown.split('\n').find((text) => text.includes('filesystem file.added'));
    expect(line).toContain(`${markdownOnce} added: ${markdownOnce.slice(1)}: new executable`);
    expect(line).toContain(`path ${markdownOnce}\\]`);
    expect(markdown).not.toContain(markdownOnce.replace(/\\\\/g, '\\\\\\\\'));
    expect(html).toContain(`${ONCE} added: ${ONCE.slice(1)}: new executable`);
    expect(html).toContain(`, path ${ONCE}]</span>`);
    expect(html).not.toContain(TWICE);
    for (const text of [markdown, html]) expect(text).not.toMatch(/[\u001b\u202e\udcff]/);
  });

  it('when exported, then the CSV cell shows it escaped once and Timesketch keeps the real name', () => {
    const row = plasoCsvRow(event);
    // Quoted: the summary holds commas.
    expect(row).toContain(`,"${ONCE} added: ${ONCE.slice(1)}: new executable`);
    expect(row).toContain(`,fs-export-c0ffee:path ${ONCE},`);
    expect(row).not.toContain(TWICE);
    expect(row).not.toMatch(/[\u001b\u202e\n\udcff]/);
    // JSON escapes the control characters itself; the consumer gets the name, not a display form of it.
    expect(JSON.parse(timesketchLine(event))).toMatchObject({ path: RAW, pathBase64: entry.pathBase64 });
  });
});

describe('display forms read back', () => {
  it('given names displayed by the diff, when read back, then the raw text comes back whatever they hold', () => {
    const names = ['etc/passwd', 'a\\b', 'x\\x1b', 'tab\there', 'tag\u{e0041}', 'é\u200b', '\u0085next'];
    for (const name of names) expect(rawFromDisplay(displayByteString(utf8(name)))).toBe(name);
    // A byte that is not UTF-8 comes back in the trace's form; "\x85" is read as the C1 control it also displays.
    expect(rawFromDisplay(displayByteString('a\xffb\x85'))).toBe('a\udcffb\u0085');
  });

  it('given an entry without pathBase64 or with a damaged one, then its path is the name, or no name is guessed', () => {
    expect(rawEntryName({ path: 'etc/passwd' })).toBe('etc/passwd');
    expect(rawEntryName({ path: 'tmp/\\xff', pathBase64: 'dG1wL/8=' })).toBe('tmp/\udcff');
    expect(rawEntryName({ path: 'tmp/\\xff', pathBase64: '*not base64*' })).toBeUndefined();
  });

  it('given a detail quoting the display path and another display string, then both come back raw', () => {
    const shown = displayByteString('tmp/.\x1bd/x');
    expect(rawDetail(`${shown}: inside the hidden directory ".\\x1bd"`, shown, 'tmp/.\u001bd/x')).toBe(
      'tmp/.\u001bd/x: inside the hidden directory ".\u001bd"',
    );
  });
});

/** A JS string's UTF-8 bytes as a byte string, the form diff paths are made from. */
function utf8(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
