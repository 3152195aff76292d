/**
 * The OpenAPI 3.1 document of the admin API, generated from the route definitions and their zod
 * schemas (zod's JSON Schema output is draft 2020-12, which OpenAPI 3.1 schemas are). Nothing
 * here is written by hand per route, so the document describes exactly what the server does.
 */
import { z } from 'zod';
import { API_ERROR_CODES, type ApiErrorCode } from '../../errors/index.js';
import { API_PREFIX, type AnyApiRoute, type RouteAccess } from './api-route.js';
import { errorsSchema } from './schemas.js';

type JsonObject = Record<string, unknown>;

const ACCESS_TEXT: Record<RouteAccess, string> = {
  public: 'No credentials needed.',
  'identity-token': 'No Authorization header: the request body carries the credential (an OIDC identity token from a trusted CI issuer).',
  authenticated: 'Any authenticated user or robot.',
  admin: 'System admins.',
  'self-or-admin': 'The user named in the path, or a system admin.',
  'owner-or-admin': "The namespace's owners, or a system admin.",
  'member-or-admin': "The namespace's members, or a system admin.",
  'creator-or-admin': "The robot's creator, or a system admin.",
  'owner-of-every-grant-or-admin': 'A system admin, or an owner of every namespace the grants reach.',
  'repository-pull': 'Anyone who may pull from the repository.',
  'repository-push': 'Anyone who may push to the repository.',
  'maintainer-or-admin': "The namespace's maintainers and owners, or a system admin.",
};

const ERROR_RESPONSES: Record<number, ApiErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'DENIED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'TOOMANYREQUESTS',
};

/** A zod schema as a JSON Schema object for the document (requests as input, responses as output). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function parameters(route: AnyApiRoute): JsonObject[] {
  const result: JsonObject[] = [];
  const pathShape = route.params?.shape ?? {};
  for (const [, name = ''] of route.path.matchAll(/\{(\w+)\}/g)) {
    const schema = pathShape[name] as z.ZodType | undefined;
    result.push({ name, in: 'path', required: true, schema: schema ? jsonSchema(schema, 'input') : { type: 'string' } });
  }
  if (route.query instanceof z.ZodObject) {
    for (const [name, value] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
      const schema = jsonSchema(value, 'input');
      result.push({
        name,
        in: 'query',
        required: !(value instanceof z.ZodOptional),
        schema,
        ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      });
    }
  }
  return result;
}

function operation(route: AnyApiRoute): JsonObject {
  const isPublic = route.access === 'public';
  // The body is the credential: no security scheme applies, but a bad one is still a 401.
  const bodyCredential = route.access === 'identity-token';
  const responses: JsonObject = {
    [String(route.status)]:
      route.status === 204
        ? { description: 'Done' }
        : { description: route.status === 201 ? 'Created' : 'OK', content: { 'application/json': { schema: route.response ? jsonSchema(route.response, 'output') : {} } } },
  };
  const errors = isPublic ? route.errors : [...route.errors, 401, 429];
  for (const status of [...new Set(errors)].sort()) responses[String(status)] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]}` };
  return {
    operationId: route.id,
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, `Access: ${ACCESS_TEXT[route.access]}`].filter(Boolean).join('\n\n'),
    'x-berth-access': route.access,
    security: isPublic || bodyCredential ? [] : [{ basic: [] }, { bearer: [] }],
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: true, content: { [route.bodyType ?? 'application/json']: { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document for the routes. */
export function openApiDocument(routes: readonly AnyApiRoute[]): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const path = `${API_PREFIX}${route.path}`;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  const responses: JsonObject = {};
  for (const code of Object.values(ERROR_RESPONSES)) {
    responses[code] = {
      description: `${API_ERROR_CODES[code].status} ${code}: ${API_ERROR_CODES[code].message}`,
      ...(code === 'UNAUTHORIZED' ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Basic realm="berth"' } } } : {}),
      ...(code === 'TOOMANYREQUESTS' ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Berth admin API',
      version: '1.0.0',
      description:
        'Users, namespaces and members, robots, personal access tokens and the audit log of a Berth registry. ' +
        'Authenticate with Basic credentials (a password, a personal access token, or robot$<name> with its secret) ' +
        'or Bearer with a personal access token or robot secret alone (berth_…); /token access tokens are for /v2 only. Errors use the registry envelope {"errors":[{"code","message","detail"}]}.',
    },
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token or robot secret (berth_…); never a /token access token' },
      },
      schemas: { Errors: jsonSchema(errorsSchema, 'output') },
      responses,
    },
  };
}
