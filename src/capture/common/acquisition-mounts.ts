// Which of a container's mounts a snapshot acquires through the archive API, with the caveats a reader must see.
//
// `docker export` carries only the container's own filesystem: volumes, bind mounts and tmpfs mounts are absent
// from it (their mount points appear as empty directories). Each mount is therefore acquired on its own, and each
// item says so.

export interface MountDescription {
  Type?: string | undefined;
  Source: string;
  Destination: string;
  RW?: boolean | undefined;
  Name?: string | undefined;
}

export const NOT_IN_EXPORT = 'not-in-export';
export const VIA_ARCHIVE_API = 'acquired-via-archive-api';
export const TMPFS_CONTENT_NOT_VISIBLE = 'tmpfs-content-not-visible';

export interface MountPlan {
  mount: MountDescription;
  /** Flags of the evidence item. */
  flags: string[];
  /** Type, name, source and mode, for the item's note. */
  note: string;
  /** Why the mount is not acquired at all, when it is not. */
  refusal?: string;
  /** Why an acquired item does not hold what the container saw, when it does not. */
  caveat?: string;
}

/** Host paths whose content belongs to the host, not the container: a snapshot would copy the host itself. */
const HOST_SYSTEM_PATHS = ['/proc', '/sys', '/dev'];

function isHostSystemPath(source: string): boolean {
  const normalized = source.replace(/\/+$/, '') || '/';
  return normalized === '/' || HOST_SYSTEM_PATHS.some((p) => normalized === p || normalized.startsWith(`${p}/`));
}

export function describeMount(mount: MountDescription): string {
  const parts = [`type=${mount.Type ?? 'unknown'}`];
  if (mount.Name) parts.push(`name=${mount.Name}`);
  parts.push(`source=${mount.Source === '' ? '(none)' : mount.Source}`);
  parts.push(`destination=${mount.Destination}`);
  parts.push(`rw=${mount.RW === undefined ? 'unknown' : String(mount.RW)}`);
  return parts.join(' ');
}

/** One plan per mount, ordered by destination: the engine lists mounts in map order, which differs run to run. */
export function planMounts(mounts: readonly MountDescription[]): MountPlan[] {
  return [...mounts]
    .sort((a, b) => (a.Destination < b.Destination ? -1 : a.Destination > b.Destination ? 1 : 0))
    .map((mount): MountPlan => {
      const note = describeMount(mount);
      if (mount.Type === 'bind' && isHostSystemPath(mount.Source)) {
        return {
          mount,
          flags: [NOT_IN_EXPORT],
          note,
          refusal:
            `bind mount of the host's ${mount.Source} at ${mount.Destination}: its content is the host's, not the ` +
            `container's; acquire it from the host if the case needs it`,
        };
      }
      if (mount.Type === 'tmpfs') {
        return {
          mount,
          flags: [NOT_IN_EXPORT, VIA_ARCHIVE_API, TMPFS_CONTENT_NOT_VISIBLE],
          note,
          caveat:
            `tmpfs at ${mount.Destination}: its content lives only in the container's memory and the engine's ` +
            `archive API reads the empty mount point instead, so that content is not in the case`,
        };
      }
      return { mount, flags: [NOT_IN_EXPORT, VIA_ARCHIVE_API], note };
    });
}
