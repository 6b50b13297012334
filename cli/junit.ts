// JUnit XML for `bpfq submit --junit FILE`: one test suite, one test case for the job itself
// and one per assertion, so CI systems (GitHub, GitLab, Jenkins) show each check by name.
// The elements and attributes are the ones the Ant JUnit schema requires (testsuite:
// name, tests, failures, errors, skipped, time, timestamp, hostname, id, package, with
// properties, system-out and system-err; testcase: name, classname, time).

export interface JUnitCase {
  readonly name: string;
  /** Seconds. */
  readonly time: number;
  /** A failed check (an assertion that did not hold). */
  readonly failure?: { readonly message: string; readonly details: string } | undefined;
  /** Could not be checked at all (the job failed, timed out). */
  readonly error?: { readonly message: string; readonly details: string } | undefined;
}

export interface JUnitReport {
  /** Suite name, e.g. "bpfq job 0f3c..." */
  readonly name: string;
  readonly classname: string;
  readonly hostname: string;
  /** When the run started. */
  readonly timestamp: Date;
  readonly properties: Readonly<Record<string, string>>;
  readonly cases: readonly JUnitCase[];
  readonly systemOut: string;
  readonly systemErr: string;
}

export function renderJUnit(report: JUnitReport): string {
  const failures = report.cases.filter((c) => c.failure !== undefined).length;
  const errors = report.cases.filter(
    (c) => c.error !== undefined && c.failure === undefined,
  ).length;
  const time = seconds(report.cases.reduce((t, c) => t + c.time, 0));
  // The schema's timestamp is ISO 8601 without a zone (xs:dateTime pattern in the Ant XSD).
  const timestamp = report.timestamp.toISOString().replace(/\.\d+Z$/, '');
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(
    `<testsuites name="${attr(report.name)}" tests="${report.cases.length}" failures="${failures}" errors="${errors}" time="${time}">`,
  );
  lines.push(
    `  <testsuite name="${attr(report.name)}" package="bpfq" id="0" tests="${report.cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}" timestamp="${timestamp}" hostname="${attr(report.hostname)}">`,
  );
  lines.push('    <properties>');
  for (const [name, value] of Object.entries(report.properties)) {
    lines.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
  }
  lines.push('    </properties>');
  for (const c of report.cases) {
    const open = `    <testcase name="${attr(c.name)}" classname="${attr(report.classname)}" time="${seconds(c.time)}"`;
    if (c.failure === undefined && c.error === undefined) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.failure !== undefined) {
      lines.push(
        `      <failure message="${attr(c.failure.message)}" type="AssertionFailed">${text(c.failure.details)}</failure>`,
      );
    } else if (c.error !== undefined) {
      lines.push(
        `      <error message="${attr(c.error.message)}" type="JobError">${text(c.error.details)}</error>`,
      );
    }
    lines.push('    </testcase>');
  }
  lines.push(`    <system-out>${text(report.systemOut)}</system-out>`);
  lines.push(`    <system-err>${text(report.systemErr)}</system-err>`);
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function seconds(s: number): string {
  return s.toFixed(3);
}

/** XML 1.0 cannot carry most C0 control characters at all, even escaped. */
function legal(s: string): string {
  // eslint-disable-next-line no-control-regex -- removing exactly the characters XML forbids
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '\ufffd');
}

function text(s: string): string {
  return legal(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
