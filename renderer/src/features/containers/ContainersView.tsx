// The containers view: every engine's containers and every cluster's pods with state and risk badges, updated live.
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { visibleContainers } from '../../../../src/capture/common/container-view.js';
import type { EngineStatus } from '../../../../src/capture/common/containers.js';
import { useHashParam } from '../../app/url-state.js';
import { visibleText } from '../../../../src/contract/visible-text.js';
import { shortUtc } from '../../ui/format.js';
import { SafeText } from '../../ui/SafeText.js';
import { visiblePods } from '../../../../src/capture/common/kubernetes-view.js';
import { ContainerActions } from './ContainerActions.js';
import { PodActions } from './PodActions.js';
import { ClusterBanner, PodsTable } from './PodsTable.js';
import { usePodView } from './use-pod-view.js';
import { RiskBadges } from './RiskBadges.js';
import { useContainerView } from './use-container-view.js';

function EngineBanner({ engine }: { engine: EngineStatus }) {
  if (engine.state === 'connected') {
    return (
      <div className="engine engine-ok" data-engine-state="connected">
        Engine <SafeText text={engine.engineId} /> at <SafeText text={engine.endpoint} /> · Docker{' '}
        <SafeText text={engine.serverVersion ?? '?'} />
      </div>
    );
  }
  // The engine's own explanation already names the endpoint; when there is none yet, name it here.
  return (
    <div className="engine engine-down" role="alert" data-engine-state={engine.state}>
      {engine.error ? (
        <>
          <SafeText text={engine.error} /> — retrying
        </>
      ) : (
        <>
          Connecting to <SafeText text={engine.endpoint} />…
        </>
      )}
    </div>
  );
}

export function ContainersView({ client }: { client: AppClient }) {
  const { view, error } = useContainerView(client);
  const [filter, setFilter] = useHashParam('q');
  const [selectedKey, select] = useHashParam('sel');
  const containers = visibleContainers(view, filter);
  const selected = view.containers.get(selectedKey);
  const podView = usePodView(client);
  const pods = visiblePods(podView.view, filter);
  const selectedPod = podView.view.pods.get(selectedKey);
  return (
    <section className="containers" aria-label="Containers">
      <div className="engines">
        {[...view.engines.values()].map((engine) => (
          <EngineBanner key={engine.engineId} engine={engine} />
        ))}
        {error ? (
          <div className="engine engine-down" role="alert">
            <SafeText text={error} />
          </div>
        ) : null}
        {[...podView.view.clusters.values()].map((cluster) => (
          <ClusterBanner key={cluster.clusterId} cluster={cluster} />
        ))}
        {podView.error ? (
          <div className="engine engine-down" role="alert">
            <SafeText text={podView.error} />
          </div>
        ) : null}
      </div>
      <div className="toolbar">
        <input
          type="search"
          placeholder="Filter by name, id, image, state or risk"
          aria-label="Filter containers"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <span className="count" data-testid="container-count">
          {containers.length} of {view.containers.size} containers
        </span>
      </div>
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>ID</th>
            <th>Image</th>
            <th>State</th>
            <th>Created (UTC)</th>
            <th>Risks</th>
          </tr>
        </thead>
        <tbody>
          {containers.map((container) => (
            <tr
              key={`${container.engineId}/${container.id}`}
              data-container-id={container.id}
              data-state={container.state}
              aria-selected={selectedKey === `${container.engineId}/${container.id}`}
              onClick={() => select(`${container.engineId}/${container.id}`)}
            >
              <td>
                <SafeText text={container.name} className="name" />
              </td>
              <td className="mono" title={container.id}>
                {container.id.slice(0, 12)}
              </td>
              <td>
                <SafeText text={container.image} />
              </td>
              <td>
                <span className={`state state-${container.state}`}>{container.state}</span>
              </td>
              {/* The engine's string, shown escaped like every other engine string. */}
              <td className="mono" title={visibleText(container.created)}>
                <SafeText text={shortUtc(container.created)} />
              </td>
              <td>
                <RiskBadges risks={container.risks} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {podView.view.clusters.size > 0 ? (
        <>
          <h2 className="section">
            Pods{' '}
            <span className="count" data-testid="pod-count">
              {pods.length} of {podView.view.pods.size} pods
            </span>
          </h2>
          <PodsTable pods={pods} selectedKey={selectedKey} onSelect={select} />
        </>
      ) : null}
      {selected ? <ContainerActions client={client} container={selected} /> : null}
      {selectedPod ? <PodActions key={selectedKey} client={client} pod={selectedPod} /> : null}
      {view.containers.size === 0 && [...view.engines.values()].some((engine) => engine.state === 'connected') ? (
        <p className="muted empty">No containers on the connected engines.</p>
      ) : null}
    </section>
  );
}
