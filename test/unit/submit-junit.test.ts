// `bpfq submit --junit FILE`: the report must be well-formed XML carrying what the Ant
// JUnit schema (the one GitLab, Jenkins and most CI readers accept) requires: a testsuite
// with name, tests, failures, errors, time, timestamp, hostname, id and package, and the
// properties, system-out and system-err children; testcases with name, classname and time;
// one test case for the job and one per assertion.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSubmit } from '../../cli/submit.js';
import { renderJUnit } from '../../cli/junit.js';
import { FakeApi, captureIo } from './submit-fake-api.js';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Enough of XML 1.0 for these reports: declaration, elements, attributes, text, entities. */
function parseXml(xml: string): XmlElement {
  let i = 0;
  const decode = (s: string): string =>
    s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_, e: string) =>
      e === 'lt'
        ? '<'
        : e === 'gt'
          ? '>'
          : e === 'amp'
            ? '&'
            : e === 'quot'
              ? '"'
              : e === 'apos'
                ? "'"
                : String.fromCodePoint(Number(e.slice(1))),
    );
  const skipSpace = (): void => {
    while (/\s/.test(xml[i] ?? '')) i++;
  };
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  const element = (): XmlElement => {
    skipSpace();
    assert.equal(xml[i], '<', `element expected at ${i}`);
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i))?.[0];
    assert.ok(name, `element name expected at ${i}`);
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const m = /^([A-Za-z_][\w.-]*)="([^"<]*)"/.exec(xml.slice(i));
      assert.ok(m, `attribute expected at ${i}: ${xml.slice(i, i + 30)}`);
      assert.equal(attrs[m[1]!], undefined, `duplicate attribute ${m[1]}`);
      attrs[m[1]!] = decode(m[2]!);
      i += m[0].length;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (xml.startsWith(`</${name}>`, i)) {
        i += name.length + 3;
        return { name, attrs, children, text: decode(text) };
      }
      if (xml[i] === '<') children.push(element());
      else {
        assert.ok(i < xml.length, `unclosed <${name}>`);
        text += xml[i++];
      }
    }
  };
  const root = element();
  skipSpace();
  assert.equal(i, xml.length, 'content after the root element');
  return root;
}

function checkSchema(root: XmlElement): XmlElement {
  assert.equal(root.name, 'testsuites');
  assert.equal(root.children.length, 1);
  const suite = root.children[0]!;
  assert.equal(suite.name, 'testsuite');
  for (const a of [
    'name',
    'tests',
    'failures',
    'errors',
    'time',
    'timestamp',
    'hostname',
    'id',
    'package',
  ]) {
    assert.ok(suite.attrs[a] !== undefined, `testsuite lacks ${a}`);
  }
  assert.match(suite.attrs['timestamp']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  const names = suite.children.map((c) => c.name);
  assert.equal(names[0], 'properties');
  assert.deepEqual(names.slice(-2), ['system-out', 'system-err']);
  const cases = suite.children.filter((c) => c.name === 'testcase');
  assert.equal(cases.length + 3, suite.children.length);
  for (const c of cases) {
    for (const a of ['name', 'classname', 'time'])
      assert.ok(c.attrs[a] !== undefined, `testcase lacks ${a}`);
    assert.match(c.attrs['time']!, /^\d+\.\d{3}$/);
  }
  assert.equal(Number(suite.attrs['tests']), cases.length);
  assert.equal(
    Number(suite.attrs['failures']),
    cases.filter((c) => c.children.some((x) => x.name === 'failure')).length,
  );
  assert.equal(
    Number(suite.attrs['errors']),
    cases.filter((c) => c.children.some((x) => x.name === 'error')).length,
  );
  return suite;
}

let api: FakeApi | undefined;
let dir: string | undefined;
afterEach(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  api = undefined;
  dir = undefined;
});

const records = [
  { type: 'map', data: { '@errors': 0 } },
  { type: 'hist', data: { '@lat': [{ min: 512, max: 1023, count: 10 }] } },
];

describe('bpfq submit --junit', () => {
  it('writes one test case for the job and one per assertion, failures with the observed value', async () => {
    api = await FakeApi.start({
      token: 't',
      plan: { statuses: ['running', 'completed'], records, text: 'out <&>\n' },
    });
    dir = mkdtempSync(join(tmpdir(), 'bpfq-junit-'));
    const file = join(dir, 'report.xml');
    const { io } = captureIo({ BPFQ_SERVER: api.url, BPFQ_TOKEN: 't' });
    const code = await runSubmit(
      [
        '-e',
        'x',
        '-q',
        '--junit',
        file,
        '--assert',
        '@errors == 0',
        '--assert',
        'p99(@lat) < 500 && count(@lat) > 5',
      ],
      io,
    );
    assert.equal(code, 1);
    const suite = checkSchema(parseXml(readFileSync(file, 'utf8')));
    const cases = suite.children.filter((c) => c.name === 'testcase');
    assert.deepEqual(
      cases.map((c) => c.attrs['name']),
      ['job', '@errors == 0', 'p99(@lat) < 500 && count(@lat) > 5'],
    );
    assert.equal(cases[0]!.children.length, 0);
    assert.equal(cases[0]!.attrs['time'], '1.500');
    assert.equal(cases[1]!.children.length, 0);
    const failure = cases[2]!.children[0]!;
    assert.equal(failure.name, 'failure');
    // && stops at its false left side, so only p99 was observed.
    assert.equal(failure.attrs['message'], 'observed p99(@lat) = 1017.89');
    assert.match(failure.text, /p99\(@lat\) = .* \(interpolated in bucket \[512, 1024\)\)/);
    assert.equal(suite.attrs['failures'], '1');
    const props = suite.children[0]!.children.map((p) => [p.attrs['name'], p.attrs['value']]);
    assert.deepEqual(
      props.find(([n]) => n === 'job'),
      ['job', 'job-1'],
    );
    assert.equal(suite.children.at(-2)!.text, 'out <&>\n');
  });

  it('records a job that did not compile as an error, and the assertions as not checked', async () => {
    api = await FakeApi.start({
      token: 't',
      plan: { statuses: ['queued'] },
      rejectWith: {
        status: 400,
        body: {
          title: 'compile',
          status: 400,
          detail: 'x',
          errors: [{ line: 1, column: 1, message: 'syntax error' }],
        },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'bpfq-junit-'));
    const file = join(dir, 'report.xml');
    const { io } = captureIo({ BPFQ_SERVER: api.url, BPFQ_TOKEN: 't' });
    assert.equal(await runSubmit(['-e', '{', '--junit', file, '--assert', '@x == 1'], io), 2);
    const suite = checkSchema(parseXml(readFileSync(file, 'utf8')));
    assert.equal(suite.attrs['errors'], '2');
    const errors = suite.children
      .filter((c) => c.name === 'testcase')
      .map((c) => c.children[0]?.attrs['message']);
    assert.deepEqual(errors, [
      'the program did not compile',
      'not checked: the program did not compile',
    ]);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    const xml = renderJUnit({
      name: 'a"b<c>&',
      classname: 'k',
      hostname: 'h',
      timestamp: new Date('2026-01-02T03:04:05.678Z'),
      properties: { 'p"': 'v\n<' },
      cases: [
        {
          name: '@x["a"] < 1',
          time: 0.25,
          failure: { message: 'm\t"', details: 'bell\x07 ]]> end' },
        },
      ],
      systemOut: '\x1b[31mred',
      systemErr: '',
    });
    const suite = checkSchema(parseXml(xml));
    assert.equal(suite.attrs['name'], 'a"b<c>&');
    assert.equal(suite.attrs['timestamp'], '2026-01-02T03:04:05');
    const tc = suite.children.find((c) => c.name === 'testcase')!;
    assert.equal(tc.attrs['name'], '@x["a"] < 1');
    assert.equal(tc.children[0]!.attrs['message'], 'm\t"');
    assert.equal(tc.children[0]!.text, 'bell\ufffd ]]> end');
    assert.equal(suite.children.at(-2)!.text, '\ufffd[31mred');
  });
});
