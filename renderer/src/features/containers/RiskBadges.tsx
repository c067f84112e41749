// Risk badges of one container or pod: short labels, the detail on hover and for screen readers.
import type { Risk, RiskKind } from '../../../../src/capture/common/containers.js';
import { visibleText } from '../../../../src/contract/visible-text.js';

const LABELS: Record<RiskKind, string> = {
  privileged: 'privileged',
  'host-network': 'host net',
  'host-pid': 'host PID',
  'host-ipc': 'host IPC',
  'root-user': 'root',
  'docker-socket': 'docker.sock',
  'added-capabilities': 'cap-add',
  'host-path': 'hostPath',
  'service-account-token': 'SA token',
};

export function RiskBadges({ risks }: { risks: readonly Risk[] }) {
  if (risks.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="badges" aria-label="risks">
      {risks.map((risk) => (
        <li
          key={risk.kind}
          className={`badge badge-${risk.kind}`}
          title={visibleText(risk.detail)}
          data-risk={risk.kind}
        >
          {LABELS[risk.kind]}
        </li>
      ))}
    </ul>
  );
}
