// strftime(3) in the C/POSIX locale, in the process' local time zone, plus bpftrace's `%f`
// (microseconds, six digits) which 0.17 substitutes before calling strftime. Used by time()
// and strftime(); both are formatted when user space handles the event, as in 0.17.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const two = (n: number): string => String(n).padStart(2, '0');
const spaced = (n: number): string => String(n).padStart(2, ' ');

/** Formats `epochNs` (ns since the Unix epoch) like strftime(fmt) with `%f` = microseconds. */
export function strftime(fmt: string, epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const micros = Number(((epochNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n) / 1000;
  const d = new Date(ms);
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%' || i + 1 >= fmt.length) {
      out += ch;
      continue;
    }
    const c = fmt[++i] ?? '';
    out += conversion(c, d, Math.floor(micros));
  }
  return out;
}

function conversion(c: string, d: Date, micros: number): string {
  const year = d.getFullYear();
  const hour12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  switch (c) {
    case 'f':
      return String(micros).padStart(6, '0');
    case 'Y':
      return String(year);
    case 'C':
      return two(Math.floor(year / 100));
    case 'y':
      return two(year % 100);
    case 'm':
      return two(d.getMonth() + 1);
    case 'd':
      return two(d.getDate());
    case 'e':
      return spaced(d.getDate());
    case 'H':
      return two(d.getHours());
    case 'k':
      return spaced(d.getHours());
    case 'I':
      return two(hour12);
    case 'l':
      return spaced(hour12);
    case 'M':
      return two(d.getMinutes());
    case 'S':
      return two(d.getSeconds());
    case 'p':
      return d.getHours() < 12 ? 'AM' : 'PM';
    case 'P':
      return d.getHours() < 12 ? 'am' : 'pm';
    case 'a':
      return (DAYS[d.getDay()] ?? '').slice(0, 3);
    case 'A':
      return DAYS[d.getDay()] ?? '';
    case 'b':
    case 'h':
      return (MONTHS[d.getMonth()] ?? '').slice(0, 3);
    case 'B':
      return MONTHS[d.getMonth()] ?? '';
    case 'j':
      return String(dayOfYear(d)).padStart(3, '0');
    case 'u':
      return String(d.getDay() === 0 ? 7 : d.getDay());
    case 'w':
      return String(d.getDay());
    case 's':
      return String(Math.floor(d.getTime() / 1000));
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case '%':
      return '%';
    case 'T':
      return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    case 'R':
      return `${two(d.getHours())}:${two(d.getMinutes())}`;
    case 'D':
    case 'x':
      return `${two(d.getMonth() + 1)}/${two(d.getDate())}/${two(year % 100)}`;
    case 'F':
      return `${year}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
    case 'X':
      return conversion('T', d, micros);
    case 'r':
      return `${two(hour12)}:${two(d.getMinutes())}:${two(d.getSeconds())} ${conversion('p', d, micros)}`;
    case 'c':
      return `${conversion('a', d, micros)} ${conversion('b', d, micros)} ${spaced(d.getDate())} ${conversion('T', d, micros)} ${year}`;
    case 'U':
      return two(Math.floor((dayOfYear(d) - 1 + 7 - d.getDay()) / 7));
    case 'W':
      return two(Math.floor((dayOfYear(d) - 1 + 7 - ((d.getDay() + 6) % 7)) / 7));
    case 'V':
      return two(isoWeek(d).week);
    case 'G':
      return String(isoWeek(d).year);
    case 'g':
      return two(isoWeek(d).year % 100);
    case 'z': {
      const off = -d.getTimezoneOffset();
      const abs = Math.abs(off);
      return `${off < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
    }
    case 'Z':
      return zoneName(d);
    default:
      // glibc copies an unknown conversion through as written.
      return '%' + c;
  }
}

function dayOfYear(d: Date): number {
  // Calendar days, counted in UTC so that daylight-saving shifts cannot make a day 23 hours.
  const day = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return (day - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000 + 1;
}

/** ISO 8601 week number and week-based year: weeks start on Monday, week 1 holds January 4. */
function isoWeek(d: Date): { week: number; year: number } {
  const monday0 = (d.getDay() + 6) % 7;
  // The Thursday of this week decides the year.
  const thursday = new Date(d.getFullYear(), d.getMonth(), d.getDate() - monday0 + 3);
  const year = thursday.getFullYear();
  const week = Math.floor((dayOfYear(thursday) - 1) / 7) + 1;
  return { week, year };
}

/**
 * The zone abbreviation glibc prints for %Z (`UTC`, `CET`, `EDT`, `JST`). Intl only knows a
 * zone's abbreviation in a locale that uses it, so a few locales are tried; zones without one
 * print their offset, as the tz database writes them (`+03`, `+0530`).
 */
const zoneNames = new Map<string, string>();
const ZONE_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU', 'ja-JP', 'en-NZ', 'en-CA', 'en-ZA'];

function zoneName(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const key = `${offset}/${d.getFullYear()}-${d.getMonth()}`;
  const known = zoneNames.get(key);
  if (known !== undefined) return known;
  let name: string | undefined;
  for (const locale of ZONE_LOCALES) {
    const part = new Intl.DateTimeFormat(locale, { timeZoneName: 'short' })
      .formatToParts(d)
      .find((p) => p.type === 'timeZoneName')?.value;
    if (part !== undefined && /^[A-Z]{2,5}$/.test(part)) {
      name = part;
      break;
    }
  }
  if (name === undefined) {
    const abs = Math.abs(offset);
    const minutes = abs % 60;
    name =
      (offset < 0 ? '-' : '+') + two(Math.floor(abs / 60)) + (minutes === 0 ? '' : two(minutes));
  }
  zoneNames.set(key, name);
  return name;
}
