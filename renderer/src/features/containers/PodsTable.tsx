// Pods beside the Docker containers: namespace, node, phase and the same risk badges, live from each cluster's watch.
import type { ClusterStatus, PodSummary } from '../../../../src/capture/common/kubernetes.contract.js';
import { podKey } from '../../../../src/capture/common/kubernetes-view.js';
import { visibleText } from '../../../../src/contract/visible-text.js';
import { shortUtc } from '../../ui/format.js';
import { SafeText } from '../../ui/SafeText.js';
import { RiskBadges } from './RiskBadges.js';

export function ClusterBanner({ cluster }: { cluster: ClusterStatus }) {
  if (cluster.state === 'connected') {
    return (
      <div className="engine engine-ok" data-cluster-state="connected">
        Cluster <SafeText text={cluster.clusterId} /> at <SafeText text={cluster.server} /> · Kubernetes{' '}
        <SafeText text={cluster.serverVersion ?? '?'} />
      </div>
    );
  }
  return (
    <div className="engine engine-down" role="alert" data-cluster-state={cluster.state}>
      {cluster.error ? (
        <>
          <SafeText text={cluster.error} /> — retrying
        </>
      ) : (
        <>
          Connecting to <SafeText text={cluster.server || cluster.clusterId} />…
        </>
      )}
    </div>
  );
}

export function PodsTable({
  pods,
  selectedKey,
  onSelect,
}: {
  pods: readonly PodSummary[];
  selectedKey: string;
  onSelect: (key: string) => void;
}) {
  return (
    <table className="grid pods" aria-label="Pods">
      <thead>
        <tr>
          <th>Pod</th>
          <th>Namespace</th>
          <th>Node</th>
          <th>Containers</th>
          <th>Phase</th>
          <th>Created (UTC)</th>
          <th>Risks</th>
        </tr>
      </thead>
      <tbody>
        {pods.map((pod) => {
          const key = podKey(pod.clusterId, pod.namespace, pod.name);
          return (
            <tr
              key={key}
              data-pod={`${pod.namespace}/${pod.name}`}
              data-cluster={pod.clusterId}
              data-phase={pod.phase}
              data-quarantine={pod.quarantine ?? ''}
              aria-selected={selectedKey === key}
              onClick={() => onSelect(key)}
            >
              <td>
                <SafeText text={pod.name} className="name" />
                {pod.quarantine === undefined ? null : <span className="badge badge-quarantine"> quarantined</span>}
              </td>
              <td>
                <SafeText text={pod.namespace} />
              </td>
              <td data-node={pod.node}>
                <SafeText text={pod.node || '—'} />
              </td>
              <td>
                {pod.containers.map((container) => (
                  // The digest comes from the cluster like everything else: escaped in the tooltip too.
                  <div key={container.name} className="mono" title={visibleText(container.imageID)}>
                    <SafeText text={container.name} />: <SafeText text={container.image} />
                  </div>
                ))}
              </td>
              <td>
                <span className={`state state-${pod.phase.toLowerCase()}`}>
                  <SafeText text={pod.phase} />
                </span>
              </td>
              {/* creationTimestamp is whatever string the API server sent: escaped like the names. */}
              <td className="mono" title={visibleText(pod.created)}>
                <SafeText text={shortUtc(pod.created)} />
              </td>
              <td>
                <RiskBadges risks={pod.risks} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
