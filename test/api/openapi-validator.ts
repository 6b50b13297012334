// Checks responses against openapi.yaml: the status must be documented for the operation,
// the content type must be one it lists, and a JSON body must match the schema (JSON Schema
// 2020-12, as OpenAPI 3.1 uses, with ajv).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, ResponseObject> };
}

export interface CheckedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

export class OpenApiValidator {
  readonly doc: OpenApiDoc;
  private readonly ajv: Ajv2020;
  /** How many responses were checked, so a suite can assert it checked some. */
  checked = 0;

  constructor() {
    this.doc = parse(readFileSync(`${repoRoot}openapi.yaml`, 'utf8')) as OpenApiDoc;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    this.ajv.addFormat(
      'date-time',
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
    );
    this.ajv.addSchema({ ...(this.doc as object), $id: 'openapi.json' });
  }

  private response(op: Operation, status: number): ResponseObject | undefined {
    const r = op.responses[String(status)];
    if (r?.$ref !== undefined) {
      const name = r.$ref.split('/').pop()!;
      return this.doc.components.responses[name];
    }
    return r;
  }

  /** Asserts `value` matches `#/components/schemas/NAME`. */
  checkSchema(name: string, value: unknown): void {
    const validate = this.ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
    this.checked += 1;
    assert.ok(
      validate(value),
      `${name} does not match openapi.yaml: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`,
    );
  }

  /** Asserts `res` is what openapi.yaml says `method pathTemplate` may answer. */
  check(method: string, pathTemplate: string, res: CheckedResponse): void {
    const op = this.doc.paths[pathTemplate]?.[method.toLowerCase()];
    assert.ok(op, `openapi.yaml has no ${method} ${pathTemplate}`);
    const response = this.response(op, res.status);
    assert.ok(response, `${method} ${pathTemplate}: status ${res.status} is not documented`);
    this.checked += 1;
    const rawType = res.headers['content-type'];
    const type = (Array.isArray(rawType) ? rawType[0] : rawType)?.split(';')[0]?.trim();
    if (response.content === undefined) return;
    assert.ok(type, `${method} ${pathTemplate} ${res.status}: no content type`);
    const media = response.content[type];
    assert.ok(
      media,
      `${method} ${pathTemplate} ${res.status}: content type ${type} is not documented`,
    );
    if (!(type === 'application/json' || type.endsWith('+json')) || media.schema === undefined)
      return;
    const ref = (media.schema as { $ref?: string }).$ref;
    const schema = ref === undefined ? media.schema : { $ref: `openapi.json${ref}` };
    const validate = this.ajv.compile(schema as object);
    const body =
      res.body !== undefined &&
      !(
        typeof res.body === 'object' &&
        res.body !== null &&
        Object.keys(res.body).length === 0 &&
        res.text
      )
        ? res.body
        : JSON.parse(res.text ?? 'null');
    assert.ok(
      validate(body),
      `${method} ${pathTemplate} ${res.status} body does not match openapi.yaml: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}
