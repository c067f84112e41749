// Which mounts a snapshot acquires through the archive API, and what each item must warn its reader about.
import { describe, expect, it } from 'vitest';
import { planMounts } from '../../src/capture/common/acquisition-mounts.js';

describe('mount plans', () => {
  it('given mounts in the engine map order, then plans are sorted by destination so ids are stable run to run', () => {
    const plans = planMounts([
      { Type: 'volume', Name: 'loot', Source: '/var/lib/docker/volumes/loot/_data', Destination: '/srv', RW: true },
      { Type: 'bind', Source: '/home/app/conf', Destination: '/etc/app', RW: false },
    ]);
    expect(plans.map((plan) => plan.mount.Destination)).toEqual(['/etc/app', '/srv']);
  });

  it('given a volume and a bind mount, then both are flagged not-in-export and acquired via the archive API', () => {
    const [bind, volume] = planMounts([
      { Type: 'bind', Source: '/home/app/conf', Destination: '/etc/app', RW: false },
      { Type: 'volume', Name: 'loot', Source: '/var/lib/docker/volumes/loot/_data', Destination: '/srv', RW: true },
    ]);
    expect(bind).toMatchObject({
      flags: ['not-in-export', 'acquired-via-archive-api'],
      note: 'type=bind source=/home/app/conf destination=/etc/app rw=false',
    });
    expect(volume?.note).toBe(
      'type=volume name=loot source=/var/lib/docker/volumes/loot/_data destination=/srv rw=true',
    );
    expect(bind?.refusal).toBeUndefined();
    expect(volume?.caveat).toBeUndefined();
  });

  it("given a bind mount of the host's root or /proc, then it is refused: that is the host, not the container", () => {
    const plans = planMounts([
      { Type: 'bind', Source: '/', Destination: '/host', RW: true },
      { Type: 'bind', Source: '/proc/', Destination: '/hostproc', RW: false },
      { Type: 'bind', Source: '/procedures', Destination: '/p', RW: false },
    ]);
    expect(plans.map((plan) => plan.refusal !== undefined)).toEqual([true, true, false]);
    expect(plans[0]?.refusal).toContain("bind mount of the host's / at /host");
  });

  it('given a tmpfs mount, then it is acquired but carries the caveat that its content is not visible', () => {
    const [tmpfs] = planMounts([{ Type: 'tmpfs', Source: '', Destination: '/scratch', RW: true }]);
    expect(tmpfs?.flags).toContain('tmpfs-content-not-visible');
    expect(tmpfs?.note).toBe('type=tmpfs source=(none) destination=/scratch rw=true');
    expect(tmpfs?.caveat).toContain("lives only in the container's memory");
  });
});
