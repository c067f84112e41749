// The network-state evidence item: a container's network attachments as isolate found them, which release restores.
import { z } from 'zod';
import { DockerEndpointSettings } from './docker-api.js';

export const NETWORK_STATE_FORMAT = 'holdcell-network-state/1';

/** Written by isolate before it changes anything; `networks` is the engine's NetworkSettings.Networks, unchanged. */
export const NetworkStateDocument = z.object({
  format: z.literal(NETWORK_STATE_FORMAT),
  containerId: z.string(),
  networkMode: z.string(),
  networks: z.record(z.string(), DockerEndpointSettings),
});
export type NetworkStateDocument = z.infer<typeof NetworkStateDocument>;

export function networkStateDocument(
  containerId: string,
  networkMode: string,
  rawNetworks: unknown,
): { format: string; containerId: string; networkMode: string; networks: unknown } {
  return { format: NETWORK_STATE_FORMAT, containerId, networkMode, networks: rawNetworks ?? {} };
}

/** The attachment to ask the engine for on reconnect; the shape of ContainerEngine's NetworkAttachment. */
export interface RestoredAttachment {
  aliases: string[];
  links: string[];
  ipv4Address?: string;
  ipv6Address?: string;
}

/**
 * Same aliases and links, and the same addresses when they were static (IPAMConfig). The engine adds the short
 * container id as an alias by itself on every connect, so it is left out rather than asked for twice; a dynamic
 * address is not pinned, because asking for a static IP on a network without a user-defined subnet is refused.
 */
export function restoredAttachment(containerId: string, endpoint: DockerEndpointSettings): RestoredAttachment {
  const shortId = containerId.slice(0, 12);
  const attachment: RestoredAttachment = {
    aliases: endpoint.Aliases.filter((alias) => alias !== shortId),
    links: endpoint.Links,
  };
  const ipv4 = endpoint.IPAMConfig?.IPv4Address;
  const ipv6 = endpoint.IPAMConfig?.IPv6Address;
  if (ipv4) attachment.ipv4Address = ipv4;
  if (ipv6) attachment.ipv6Address = ipv6;
  return attachment;
}
