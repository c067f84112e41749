// Everything a journey's page must never show: console errors, CSP violations, uncaught errors, failed requests.
import type { Page } from '@playwright/test';

/**
 * Starts recording the page's problems; the journey ends with `expect(problems).toEqual([])`. `ignore` names a console
 * message that is Chromium's own note rather than something the page did (say why where it is passed).
 */
export function watchPageProblems(page: Page, ignore: (text: string) => boolean = () => false): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // Chromium asks for /favicon.ico on its own and the workbench has none: not something the page did.
    if (message.location().url.endsWith('/favicon.ico') || ignore(message.text())) return;
    if (message.type() === 'error' || message.text().includes('Content Security Policy'))
      problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
  });
  return problems;
}

/** Types the case folder into the top bar, as a responder does before acting on a container. */
export async function chooseCase(page: Page, caseDir: string): Promise<void> {
  await page.getByLabel('Current case folder').fill(caseDir);
  await page.getByLabel('Current case folder').press('Enter');
}

/** Dismisses every alert/confirm/prompt the page opens and counts them: evidence must never open one. */
export function countDialogs(page: Page): () => number {
  let dialogs = 0;
  page.on('dialog', (dialog) => {
    dialogs += 1;
    void dialog.dismiss();
  });
  return () => dialogs;
}
