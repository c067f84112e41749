// Warnings from the host (a plan's caveats, a capture's notes) as visible notes, each escaped.
import { SafeText } from './SafeText.js';

export function Warnings({ warnings }: { warnings: readonly string[] }) {
  return (
    <>
      {warnings.map((warning) => (
        <p key={warning} className="warning" role="note">
          <SafeText text={warning} />
        </p>
      ))}
    </>
  );
}
