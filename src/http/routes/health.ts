import type { Readiness } from '../../operations/readiness.js';
import type { HttpRoute } from '../route-table.js';

/** /healthz (the process answers) and /readyz: 200 when metadata and storage answer, else 503, with a line per dependency. */
export function healthRoutes(readiness: Readiness): HttpRoute[] {
  return [
    { method: 'GET', url: '/healthz', auth: 'public', handler: async () => ({ status: 'ok' }) },
    {
      method: 'GET',
      url: '/readyz',
      auth: 'public',
      handler: async (_request, reply) => {
        const { ready, checks } = await readiness.check();
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
      },
    },
  ];
}
