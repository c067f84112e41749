// The offset from CLOCK_MONOTONIC (bpftrace's `nsecs`) to UTC wall time, measured once when a capture starts.
//
// bpf_ktime_get_ns and Node's process.hrtime.bigint() both read CLOCK_MONOTONIC, so one offset measured here
// converts every event time. bpftrace 0.17 has no wall-clock nanoseconds (nsecs(sw_tai) came later), and its
// strftime() counts from boot time, which is not the clock `nsecs` reads. Date.now() has only millisecond
// resolution: waiting for it to tick over pins the instant a new millisecond began to within a few microseconds.

/** One realtime/monotonic pair taken at a millisecond boundary; the offset is realtime − monotonic (ns). */
function sample(): bigint {
  const start = Date.now();
  let now = start;
  let mono = process.hrtime.bigint();
  // Spins at most ~1 ms: the wall clock ticks over to the next millisecond.
  while (now === start) {
    mono = process.hrtime.bigint();
    now = Date.now();
  }
  return BigInt(now) * 1_000_000n - mono;
}

/** realtime − monotonic in nanoseconds: the median of a few samples (one may straddle a scheduler hiccup). */
export function monotonicToRealtimeOffset(samples = 5): bigint {
  const taken: bigint[] = [];
  for (let index = 0; index < samples; index++) taken.push(sample());
  taken.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return taken[Math.floor(taken.length / 2)] ?? sample();
}

/** How the times were made, for the trace's meta record. */
export function clockNote(offsetNs: bigint): string {
  return (
    `times are bpftrace nsecs (CLOCK_MONOTONIC) + ${offsetNs} ns, the realtime−monotonic offset measured by the ` +
    'host when the capture started (to a few microseconds); a wall-clock step during the capture is not reflected'
  );
}
