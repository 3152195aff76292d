/** Admin API routes for lifecycle policies: per namespace or repository, preview, run now. */
import { z } from 'zod';
import { routesFor, type AnyApiRoute } from '../admin-route.js';
import type { LifecycleAdmin } from './lifecycle-admin.js';
import {
  policyDocumentSchema,
  policyListSchema,
  policyPathSchema,
  policyViewJson,
  policyViewSchema,
  previewJson,
  previewRequestSchema,
  previewSchema,
  runReportJson,
  runReportSchema,
} from './schemas.js';

const FORMAT =
  'The body is an Amazon ECR lifecycle policy as is ({"rules": [...]}; rulePriority, selection with tagStatus tagged/untagged/any, ' +
  'tagPrefixList or tagPatternList, countType imageCountMoreThan/sinceImagePushed/sinceImagePulled, countUnit days, countNumber; action expire), ' +
  'plus Berth\'s keep rules under "berth": {"keep": [{"tagPatternList": [...]}, {"tagPrefixList": [...]}, {"semver": true}, {"pulledWithinDays": N}]}. ' +
  "A repository's own policy overrides its namespace's.";
const SCOPE = 'Names containing "/" are sent URL-encoded (%2F).';

/** Path parameters as the operations take them (validated by policyPathSchema). */
function sourceOf(params: Record<string, string>): { scopeKind: 'namespace' | 'repository'; scope: string } {
  return { scopeKind: params.kind === 'repository' ? 'repository' : 'namespace', scope: params.scope ?? '' };
}

const defineRoute = routesFor<{ extension: LifecycleAdmin }>();

/** The lifecycle routes; their handlers get the built extension's operations. */
export const LIFECYCLE_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/lifecycle-policies',
    id: 'listLifecyclePolicies',
    tag: 'lifecycle',
    summary: 'Lifecycle policies: all for admins, those of namespaces where the caller is a maintainer or owner for others',
    access: 'authenticated',
    status: 200,
    response: policyListSchema,
    errors: [],
    handle: async ({ extension: lifecycle, by }) => ({ policies: (await lifecycle.list(by)).map(policyViewJson) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/lifecycle-policies/{kind}/{scope}',
    id: 'getLifecyclePolicy',
    tag: 'lifecycle',
    summary: "A namespace's or repository's lifecycle policy",
    description: SCOPE,
    access: 'maintainer-or-admin',
    params: policyPathSchema,
    status: 200,
    response: policyViewSchema,
    errors: [400, 403, 404],
    handle: async ({ extension: lifecycle, by, params }) => policyViewJson(await lifecycle.get(by, sourceOf(params))),
  }),
  defineRoute({
    method: 'PUT',
    path: '/lifecycle-policies/{kind}/{scope}',
    id: 'setLifecyclePolicy',
    tag: 'lifecycle',
    summary: "Set (or replace) a namespace's or repository's lifecycle policy",
    description: `${FORMAT} Preview it first (POST /lifecycle-policies/preview). ${SCOPE}`,
    access: 'maintainer-or-admin',
    params: policyPathSchema,
    body: policyDocumentSchema,
    status: 200,
    response: policyViewSchema,
    errors: [400, 403, 413],
    handle: async ({ extension: lifecycle, by, params, body }) => policyViewJson(await lifecycle.set(by, sourceOf(params), body)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/lifecycle-policies/{kind}/{scope}',
    id: 'deleteLifecyclePolicy',
    tag: 'lifecycle',
    summary: "Remove a namespace's or repository's lifecycle policy",
    description: SCOPE,
    access: 'maintainer-or-admin',
    params: policyPathSchema,
    status: 204,
    errors: [400, 403, 404],
    handle: async ({ extension: lifecycle, by, params }) => void (await lifecycle.delete(by, sourceOf(params))),
  }),
  defineRoute({
    method: 'POST',
    path: '/lifecycle-policies/preview',
    id: 'previewLifecyclePolicy',
    tag: 'lifecycle',
    summary: 'Exactly which images a policy would expire now, without saving it',
    description: `Evaluated the way a run evaluates it. For a namespace, every repository without a policy of its own. ${FORMAT}`,
    access: 'maintainer-or-admin',
    body: previewRequestSchema,
    status: 200,
    response: previewSchema,
    errors: [400, 403, 413],
    handle: async ({ extension: lifecycle, by, body }) => previewJson(await lifecycle.preview(by, { scopeKind: body.scopeKind, scope: body.scope }, body.policy)),
  }),
  defineRoute({
    method: 'POST',
    path: '/lifecycle-policies/run',
    id: 'runLifecyclePolicies',
    tag: 'lifecycle',
    summary: 'Apply every lifecycle policy now (they also run every lifecycle.intervalSeconds)',
    description: 'Expired images go with their tags and referrers (signatures, SBOMs); each expiry is audited as lifecycle.expire. Nothing is expired in read-only mode.',
    access: 'admin',
    body: z.strictObject({}).describe('No options: send {}'),
    status: 200,
    response: runReportSchema,
    errors: [403, 409],
    handle: async ({ extension: lifecycle, by }) => runReportJson(await lifecycle.run(by)),
  }),
];
