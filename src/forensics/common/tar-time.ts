// Tar timestamps as UTC ISO strings: whole seconds from the header, PAX decimal fractions kept to the nanosecond.

const NANOS_PER_SECOND = 1_000_000_000n;
/** Date handles ±8.64e15 ms; beyond it (base-256 mtimes can say anything) the calendar is computed with BigInt. */
const DATE_LIMIT_SECONDS = 8_640_000_000_000;

/**
 * "1970-01-01T00:00:00Z" form: no fraction when there is none (the ustar header holds whole seconds), otherwise
 * the nanoseconds with trailing zeros dropped, so one instant has one spelling whichever tar wrote it.
 */
export function isoFromEpochNanos(nanos: bigint): string {
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos % NANOS_PER_SECOND;
  if (rest < 0n) {
    rest += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  const fraction = rest === 0n ? '' : `.${rest.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${calendar(seconds)}${fraction}Z`;
}

/** Whole seconds since the epoch (any magnitude) as an ISO string without fraction. */
export function isoFromEpochSeconds(seconds: number | bigint): string {
  // The per-entry path (every tar header has one): a safe integer in Date's range needs no BigInt, and the
  // calendar day is formatted once per day seen, because an archive's mtimes cluster on a few days.
  if (typeof seconds === 'number' && Number.isSafeInteger(seconds) && Math.abs(seconds) < DATE_LIMIT_SECONDS) {
    const day = Math.floor(seconds / 86_400);
    let second = seconds - day * 86_400;
    if (day !== cachedDay) {
      cachedDay = day;
      const iso = new Date(day * 86_400_000).toISOString();
      cachedDayText = iso.slice(0, iso.indexOf('T') + 1);
    }
    const hours = Math.floor(second / 3600);
    second -= hours * 3600;
    const minutes = Math.floor(second / 60);
    second -= minutes * 60;
    return `${cachedDayText}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[second]}Z`;
  }
  return isoFromEpochNanos(BigInt(seconds) * NANOS_PER_SECOND);
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, value) => String(value).padStart(2, '0'));
let cachedDay = Number.NaN;
let cachedDayText = '';

/**
 * A PAX time record ("1700000000.123456789", "-1.5") as an ISO string, or undefined when it is not a decimal
 * number. Digits beyond nanoseconds are cut (no tar or filesystem here keeps them).
 */
export function isoFromPaxTime(value: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value.trim());
  if (match === null) return undefined;
  const [, sign, whole = '0', fraction = ''] = match;
  const magnitude = BigInt(whole) * NANOS_PER_SECOND + BigInt((fraction.slice(0, 9) || '0').padEnd(9, '0'));
  return isoFromEpochNanos(sign === '-' ? -magnitude : magnitude);
}

/** YYYY-MM-DDTHH:MM:SS for whole seconds; years outside 0000–9999 in the ISO expanded form (±YYYYYY). */
function calendar(seconds: bigint): string {
  if (seconds > -DATE_LIMIT_SECONDS && seconds < DATE_LIMIT_SECONDS) {
    return new Date(Number(seconds) * 1000).toISOString().slice(0, -5);
  }
  // Howard Hinnant's civil-from-days, exact for any day count.
  let days = seconds / 86_400n;
  let secondOfDay = seconds % 86_400n;
  if (secondOfDay < 0n) {
    secondOfDay += 86_400n;
    days -= 1n;
  }
  const z = days + 719_468n;
  const era = (z >= 0n ? z : z - 146_096n) / 146_097n;
  const dayOfEra = z - era * 146_097n;
  const yearOfEra = (dayOfEra - dayOfEra / 1460n + dayOfEra / 36_524n - dayOfEra / 146_096n) / 365n;
  const dayOfYear = dayOfEra - (365n * yearOfEra + yearOfEra / 4n - yearOfEra / 100n);
  const mp = (5n * dayOfYear + 2n) / 153n;
  const day = dayOfYear - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yearOfEra + era * 400n + (month <= 2n ? 1n : 0n);
  const yearText = `${year < 0n ? '-' : '+'}${(year < 0n ? -year : year).toString().padStart(6, '0')}`;
  const two = (value: bigint): string => value.toString().padStart(2, '0');
  const hours = secondOfDay / 3600n;
  const minutes = (secondOfDay % 3600n) / 60n;
  return `${yearText}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(secondOfDay % 60n)}`;
}

const ISO_TIME = /^([+-]\d{6,}|\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$/;

/**
 * Nanoseconds since the epoch of a UTC ISO time as written here or by Docker ("…:20Z", "…:20.5Z",
 * "…:20.123456789Z", expanded years), or undefined when it is not one. Needed because such strings do not sort
 * by time: "…:20.5Z" sorts before "…:20Z".
 */
export function epochNanosFromIso(iso: string): bigint | undefined {
  const match = ISO_TIME.exec(iso);
  if (match === null) return undefined;
  const [, year = '0', month = '1', day = '1', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  // Howard Hinnant's days-from-civil, exact for any year.
  const m = BigInt(month);
  const y = BigInt(year) - (m <= 2n ? 1n : 0n);
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yearOfEra = y - era * 400n;
  const dayOfYear = (153n * (m > 2n ? m - 3n : m + 9n) + 2n) / 5n + BigInt(day) - 1n;
  const dayOfEra = yearOfEra * 365n + yearOfEra / 4n - yearOfEra / 100n + dayOfYear;
  const days = era * 146_097n + dayOfEra - 719_468n;
  const secondsOfDay = BigInt(hours) * 3600n + BigInt(minutes) * 60n + BigInt(seconds);
  return (days * 86_400n + secondsOfDay) * NANOS_PER_SECOND + BigInt(fraction.padEnd(9, '0') || '0');
}

/** Orders two ISO times by the instant they name (-1, 0, 1); unparseable ones sort first, by their text. */
export function compareIsoTimes(a: string, b: string): number {
  const left = epochNanosFromIso(a);
  const right = epochNanosFromIso(b);
  if (left === undefined || right === undefined) {
    if (left !== right) return left === undefined ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return left < right ? -1 : left > right ? 1 : 0;
}
