/**
 * Checks answers against the OpenAPI document the service serves (/docs-json): the status must be one the operation
 * lists, the media type one that status lists, and the body must match its schema (ajv, after turning OpenAPI 3.0's
 * `nullable` into JSON Schema). As an openapi-fetch middleware it checks every answer a typed client receives.
 */
import type { ValidateFunction } from 'ajv';
import type { Middleware } from 'openapi-fetch';
import { formMetaErrors, newAjv } from '../../src/definitions/form-schema.util.js';

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
interface Response {
  content?: Record<string, MediaType>;
}
export interface Operation {
  security?: unknown[];
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const DOCUMENT_ID = 'openapi';

/** OpenAPI 3.0 to JSON Schema: `nullable: true` becomes "or null", and component refs point into the document. */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (value === null || typeof value !== 'object') return value;
  const { nullable, ...rest } = value as Schema;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' && child.startsWith('#/')
        ? `${DOCUMENT_ID}${child}`
        : toJsonSchema(child),
    ]),
  );
  // A DTO lists every field it has: a field the document does not name is drift, not an extension.
  if (converted.type === 'object' && 'properties' in converted && !('additionalProperties' in converted))
    converted.additionalProperties = false;
  if (nullable !== true) return converted;
  // An enum lists its allowed values: null must be one of them too.
  if (Array.isArray(converted.enum)) converted.enum = [...(converted.enum as unknown[]), null];
  return { anyOf: [converted, { type: 'null' }] };
}

export class OpenApiValidator {
  /** Operations seen answering, as `METHOD /path/{template}`. */
  readonly walked = new Set<string>();
  private readonly ajv = newAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    const schema = { $id: DOCUMENT_ID, components: toJsonSchema(document.components) as object };
    // newAjv leaves the meta-schema check to registration; the document's schemas get it here.
    const invalid = formMetaErrors(schema);
    if (invalid !== null)
      throw new Error(`The OpenAPI document's schemas are not valid JSON Schema: ${invalid}`);
    this.ajv.addSchema(schema);
  }

  static async load(baseUrl: string): Promise<OpenApiValidator> {
    const reply = await fetch(`${baseUrl}/docs-json`);
    if (reply.status !== 200) throw new Error(`/docs-json answered ${reply.status}`);
    return new OpenApiValidator((await reply.json()) as OpenApiDocument);
  }

  /** Every operation of the document, as `METHOD /path/{template}`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** Problems with one answer; empty when it is what the document says. `body` is parsed JSON or text. */
  check(answer: {
    method: string;
    path: string;
    status: number;
    contentType: string | null;
    /** Parsed JSON or text; absent: only the status and media type are checked (an endless stream). */
    body?: unknown;
  }) {
    const where = `${answer.method.toUpperCase()} ${answer.path} → ${answer.status}`;
    const operation = this.document.paths[answer.path]?.[answer.method.toLowerCase()];
    if (!operation) return [`${where}: no such operation in the document`];
    this.walked.add(`${answer.method.toUpperCase()} ${answer.path}`);
    const response = operation.responses[String(answer.status)] ?? operation.responses.default;
    if (!response)
      return [`${where}: status not documented (${Object.keys(operation.responses).join(', ')})`];
    if (!response.content) {
      return answer.body === undefined || answer.body === null || answer.body === ''
        ? []
        : [`${where}: documented without a body, got one`];
    }
    const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
    const media = response.content[mediaType];
    if (!media) return [`${where}: media type ${mediaType} not documented`];
    if (!media.schema || !('body' in answer)) return [];
    const validate = this.validator(media.schema);
    return validate(answer.body)
      ? []
      : (validate.errors ?? []).map((e) => `${where} ${mediaType}: ${e.instancePath || '$'} ${e.message}`);
  }

  /**
   * The schema of an event's `data` in a text/event-stream answer: the one `x-events` names for `event`, or given no
   * event, the main event's (`x-event-data`).
   */
  eventData(path: string, method: string, event?: string): (data: unknown) => string[] {
    const media = this.document.paths[path]?.[method]?.responses['200']?.content?.['text/event-stream'];
    const ref =
      event === undefined
        ? media?.schema?.['x-event-data']
        : (media?.schema?.['x-events'] as Record<string, unknown> | undefined)?.[event];
    if (!ref) throw new Error(`${method} ${path} names no schema for ${event ?? 'its main'} event`);
    const validate = this.validator(ref as Schema);
    return (data) =>
      validate(data)
        ? []
        : (validate.errors ?? []).map((e) => `${path} ${event ?? ''} event: ${e.instancePath} ${e.message}`);
  }

  /**
   * An openapi-fetch middleware that fails the call when its answer is not what the document says. A
   * text/event-stream body is left to the caller: the stream may never end.
   */
  middleware(): Middleware {
    return {
      onResponse: async ({ request, response, schemaPath }) => {
        const contentType = response.headers.get('content-type');
        if (contentType?.startsWith('text/event-stream')) {
          const problems = this.check({
            method: request.method,
            path: schemaPath,
            status: response.status,
            contentType,
          });
          if (problems.length > 0) throw new Error(problems.join('\n'));
          return undefined;
        }
        const text = await response.clone().text();
        const body = contentType?.includes('json') ? (JSON.parse(text) as unknown) : text;
        const problems = this.check({
          method: request.method,
          path: schemaPath,
          status: response.status,
          contentType,
          body: text === '' ? null : body,
        });
        if (problems.length > 0) throw new Error(`${problems.join('\n')}\nbody: ${text.slice(0, 2000)}`);
        return undefined;
      },
    };
  }

  private validator(schema: Schema): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
