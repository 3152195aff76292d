/**
 * Imitations of the CI APIs rebuild triggers call, for a WebhookReceiver: each checks what its
 * API's documentation asks of a request — method, path, the credential in its place, the content
 * type, the body's required fields — and answers as the real API does: its success status and
 * body, or the error status it gives a request that lacks something (so a delivery that gets it
 * wrong is logged failed, not delivered).
 */
import type { ReceivedRequest, ReceiverAnswer } from '../support/webhook-receiver.js';

const json = (status: number, body: unknown): ReceiverAnswer => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** The first header value, as a string. */
function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** GitHub "Create a repository dispatch event": POST /repos/{owner}/{repo}/dispatches → 204. */
export function githubDispatches(owner: string, repo: string, token: string): (request: ReceivedRequest) => ReceiverAnswer {
  return (request) => {
    if (request.method !== 'POST' || request.path !== `/repos/${owner}/${repo}/dispatches`) return json(404, { message: 'Not Found' });
    if (header(request, 'authorization') !== `Bearer ${token}`) return json(401, { message: 'Bad credentials' });
    // "Request forbidden by administrative rules. Please make sure your request has a User-Agent header."
    if (!header(request, 'user-agent')) return json(403, { message: 'Request forbidden by administrative rules' });
    if (header(request, 'accept') !== 'application/vnd.github+json' || header(request, 'x-github-api-version') !== '2022-11-28') return json(400, { message: 'unexpected Accept or X-GitHub-Api-Version' });
    if (header(request, 'content-type') !== 'application/json') return json(415, { message: 'Unsupported Media Type' });
    const body = JSON.parse(request.body) as { event_type?: unknown; client_payload?: Record<string, unknown> };
    if (typeof body.event_type !== 'string' || body.event_type.length > 100) return json(422, { message: 'Invalid request: event_type' });
    if (body.client_payload !== undefined && Object.keys(body.client_payload).length > 10) return json(422, { message: 'client_payload: no more than 10 properties are allowed' });
    return { status: 204 };
  };
}

/** GitLab "Trigger a pipeline with a token": POST /api/v4/projects/{id}/trigger/pipeline → 201 and the pipeline. */
export function gitlabTrigger(project: string, token: string): (request: ReceivedRequest) => ReceiverAnswer {
  return (request) => {
    if (request.method !== 'POST' || request.path !== `/api/v4/projects/${project}/trigger/pipeline`) return json(404, { message: '404 Not Found' });
    if (header(request, 'content-type') !== 'application/x-www-form-urlencoded') return json(400, { error: 'token is missing, ref is missing' });
    const form = new URLSearchParams(request.body);
    if (!form.get('ref')) return json(400, { error: 'ref is missing' });
    if (form.get('token') !== token) return json(404, { message: '404 Not Found' });
    return json(201, { id: 4711, iid: 12, project_id: Number(project), status: 'created', source: 'trigger', ref: form.get('ref'), web_url: `https://gitlab.example.com/-/pipelines/4711` });
  };
}

/** Jenkins remote build: POST /job/{name}/buildWithParameters → 201 with the queue item's Location. */
export function jenkinsBuild(job: string, user: string, apiToken: string): (request: ReceivedRequest) => ReceiverAnswer {
  return (request): ReceiverAnswer => {
    const url = new URL(request.path, 'http://jenkins');
    if (request.method !== 'POST' || url.pathname !== `/job/${job}/buildWithParameters`) return { status: 404 };
    if (header(request, 'authorization') !== `Basic ${Buffer.from(`${user}:${apiToken}`).toString('base64')}`) return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="Jenkins"' } };
    if (header(request, 'content-type') !== 'application/x-www-form-urlencoded') return { status: 400 };
    return { status: 201, headers: { Location: 'http://jenkins/queue/item/31/' } };
  };
}

/** Azure DevOps "Runs - Run Pipeline": POST /{org}/{project}/_apis/pipelines/{id}/runs?api-version=7.1 → 200 and the run. */
export function azureRuns(organization: string, project: string, pipeline: number, pat: string): (request: ReceivedRequest) => ReceiverAnswer {
  return (request) => {
    const url = new URL(request.path, 'https://dev.azure.com');
    if (request.method !== 'POST' || url.pathname !== `/${organization}/${project}/_apis/pipelines/${pipeline}/runs`) return json(404, { message: 'not found' });
    if (url.searchParams.get('api-version') !== '7.1') return json(400, { message: 'No api-version was supplied for the POST request' });
    // Without a valid PAT Azure DevOps answers 203 with a sign-in page, or 401.
    if (header(request, 'authorization') !== `Basic ${Buffer.from(`:${pat}`).toString('base64')}`) return { status: 401 };
    if (!header(request, 'content-type')?.startsWith('application/json')) return json(415, { message: 'unsupported media type' });
    const body = JSON.parse(request.body) as { templateParameters?: Record<string, unknown> };
    if (Object.values(body.templateParameters ?? {}).some((value) => typeof value !== 'string')) return json(400, { message: 'templateParameters are strings' });
    return json(200, { id: 902, name: '20261203.1', state: 'inProgress', pipeline: { id: pipeline } });
  };
}
