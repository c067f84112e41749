// Renders a string from an engine or evidence with every invisible or control character shown as a visible escape.
import { visibleDisplayText, visibleText } from '../../../src/contract/visible-text.js';

/**
 * `display`: the text is already a display form made by the host (diff paths, finding details), whose backslashes
 * start the host's escapes — invisible characters are still escaped, backslashes are not doubled.
 */
export function SafeText({ text, className, display }: { text: string; className?: string; display?: boolean }) {
  const shown = display ? visibleDisplayText(text) : visibleText(text);
  return (
    <span className={shown === text ? className : `${className ?? ''} escaped`.trim()} title={shown}>
      {shown}
    </span>
  );
}
