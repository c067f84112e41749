// Renders a string from an engine or evidence with every invisible or control character shown as a visible escape.
import { visibleText } from '../../../src/contract/visible-text.js';

export function SafeText({ text, className }: { text: string; className?: string }) {
  const shown = visibleText(text);
  return (
    <span className={shown === text ? className : `${className ?? ''} escaped`.trim()} title={shown}>
      {shown}
    </span>
  );
}
