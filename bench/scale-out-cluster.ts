/**
 * The scale-out benchmark's servers: Berth nodes sharing one fresh PostgreSQL schema, one fresh
 * bucket and one Redis key prefix, as behind a load balancer, plus (when docker-registry is on
 * PATH) CNCF Distribution on a bucket of its own. Everything made is registered with the
 * Teardown before it is made.
 */
import { BlobFetcher } from './blob-fetch.js';
import { benchSchema, postgresUnreachable } from './postgres-schema.js';
import { benchRedisPrefix, redisUnreachable } from './redis-prefix.js';
import { RegistryClient } from './registry-client.js';
import { benchBucket, s3Unreachable } from './s3-bucket.js';
import type { ScaleOutSettings } from './scale-out-settings.js';
import { startDistributionOnS3 } from './distribution-s3.js';
import { BENCH_ADMIN, startBerth, type ServerUnderTest } from './servers.js';
import type { BenchSettings } from './settings.js';
import type { Teardown } from './teardown.js';

/** A server of the cluster, with a client that has done the token dance (for Berth) and fetches blobs like docker. */
export interface Node {
  server: ServerUnderTest;
  client: RegistryClient;
  blobs: BlobFetcher;
}

export interface Cluster {
  /** Berth nodes streaming blobs themselves (storage.s3.redirect off), node 1 first. */
  berth: Node[];
  /** One more Berth node on the same state, with storage.s3.redirect on. */
  berthRedirect: Node;
  /** Distribution streaming (redirect disabled) and redirecting (its S3 default), sharing one bucket; absent without docker-registry. */
  distribution?: { proxied: Node; redirect: Node };
  /** What the nodes share, for the report. */
  shared: { berthBucket: string; distributionBucket?: string; schema: string; redisPrefix: string };
}

/** Why the scale-out group cannot run here (every missing service named), or undefined. */
export async function scaleOutUnreachable(scale: ScaleOutSettings): Promise<string | undefined> {
  const problems = await Promise.all([s3Unreachable(scale.s3), postgresUnreachable(scale.postgresUrl), redisUnreachable(scale.redisUrl)]);
  const found = problems.filter((p): p is string => p !== undefined);
  return found.length > 0 ? found.join('; ') : undefined;
}

function node(server: ServerUnderTest, withCredentials: boolean): Node {
  const client = new RegistryClient(server.baseUrl, withCredentials ? BENCH_ADMIN : undefined);
  return { server, client, blobs: new BlobFetcher(client) };
}

export async function startCluster(repoRoot: string, settings: BenchSettings, scale: ScaleOutSettings, teardown: Teardown): Promise<Cluster> {
  const schema = benchSchema(scale.postgresUrl);
  teardown.add(`dropping PostgreSQL schema ${schema.name}`, () => schema.drop());
  const redis = benchRedisPrefix(scale.redisUrl);
  teardown.add(`deleting Redis keys ${redis.prefix}*`, () => redis.clear());
  const bucket = benchBucket(scale.s3, 'berth');
  teardown.add(`deleting bucket ${bucket.name}`, () => bucket.remove());
  await bucket.create();

  const shared = {
    BERTH_METADATA_URL: schema.metadataUrl,
    BERTH_STORAGE_DRIVER: 's3',
    BERTH_STORAGE_S3_BUCKET: bucket.name,
    BERTH_STORAGE_S3_ENDPOINT: scale.s3.endpoint,
    BERTH_STORAGE_S3_REGION: scale.s3.region,
    BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
    BERTH_STORAGE_S3_ACCESS_KEY_ID: scale.s3.accessKeyId,
    BERTH_STORAGE_S3_SECRET_ACCESS_KEY: scale.s3.secretAccessKey,
    BERTH_REDIS_URL: scale.redisUrl,
    BERTH_REDIS_KEY_PREFIX: redis.prefix,
  };
  const nodes: Node[] = [];
  const start = async (redirect: boolean): Promise<Node> => {
    const server = await startBerth(repoRoot, settings.logLevel, settings.berthNodeFlags, settings.berthAuth, { ...shared, BERTH_STORAGE_S3_REDIRECT: String(redirect) });
    const started = node(server, settings.berthAuth === 'token');
    teardown.add(`stopping Berth node ${server.baseUrl}`, async () => {
      started.blobs.close();
      started.client.close();
      await server.stop();
    });
    return started;
  };
  // Node 1 alone first: it creates the schema, runs the migrations and makes the admin account;
  // the others then start on a ready schema, as added replicas do.
  nodes.push(await start(false));
  nodes.push(...(await Promise.all(Array.from({ length: scale.maxNodes - 1 }, () => start(false)))));
  const berthRedirect = await start(true);

  let distribution: Cluster['distribution'];
  let distributionBucket: string | undefined;
  if (settings.distributionBinary) {
    const binary = settings.distributionBinary;
    const own = benchBucket(scale.s3, 'distribution');
    teardown.add(`deleting bucket ${own.name}`, () => own.remove());
    await own.create();
    distributionBucket = own.name;
    const startOne = async (redirect: boolean): Promise<Node> => {
      const server = await startDistributionOnS3(binary, settings.logLevel, scale.s3, own.name, redirect);
      const started = node(server, false);
      teardown.add(`stopping ${server.name} ${server.baseUrl}`, async () => {
        started.blobs.close();
        started.client.close();
        await server.stop();
      });
      return started;
    };
    distribution = { proxied: await startOne(false), redirect: await startOne(true) };
  }
  return { berth: nodes, berthRedirect, ...(distribution ? { distribution } : {}), shared: { berthBucket: bucket.name, ...(distributionBucket ? { distributionBucket } : {}), schema: schema.name, redisPrefix: redis.prefix } };
}
