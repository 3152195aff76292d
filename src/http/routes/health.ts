import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../../operations/readiness.js';

/** /healthz (the process answers) and /readyz: 200 when metadata and storage answer, else 503, with a line per dependency. */
export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await readiness.check();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}
