import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
/** A whole number ≥ 0, from YAML or an environment string (extensions' slices use it too). */
export const nonNegativeInt = z.coerce.number().int().min(0);
/** A boolean, from YAML or the strings true/false of an environment variable. */
export const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);
/** A list given as a YAML list or as one comma-separated string (environment variables). */
const list = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value),
  z.array(z.string().min(1)),
);

/**
 * Every Berth setting, with its default and description (docs/configuration.md is generated from
 * this). Precedence: defaults ← YAML file ← BERTH_* environment ← command-line flags.
 */
export const configSchema = z
  .object({
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, 'must be HOST:PORT, e.g. 0.0.0.0:5000 or [::1]:5000')
      .default('0.0.0.0:5000')
      .describe('Address and port the registry listens on (HOST:PORT).'),
    data: z.string().min(1).default('./data').describe('Folder for everything the embedded defaults keep: the SQLite database and blob files.'),
    storage: z
      .object({
        driver: z.enum(['filesystem', 's3']).default('filesystem').describe('Where blob bytes live: filesystem (one node) or s3 (any S3-compatible object store; nodes share it).'),
        filesystem: z
          .object({
            root: z.string().min(1).optional().describe('Root folder of the filesystem driver (default: <data>/storage).'),
          })
          .strict()
          .prefault({}),
        s3: z
          .object({
            bucket: z.string().min(1).optional().describe('Bucket of the s3 driver (required with storage.driver s3; Berth does not create it).'),
            region: z.string().min(1).default('us-east-1').describe('Region of the bucket.'),
            endpoint: z.string().url().optional().describe('Endpoint of an S3-compatible store (Ceph RGW, MinIO, R2); unset for AWS S3.'),
            prefix: z
              .string()
              .regex(/^([^/\s]+(\/[^/\s]+)*)?$/, 'must be a key prefix without leading, trailing or double slashes')
              .default('')
              .describe('Key prefix under which Berth keeps everything in the bucket (e.g. registry/prod).'),
            forcePathStyle: flag.default(false).describe('Address the bucket as <endpoint>/<bucket> (most S3-compatible stores need this).'),
            accessKeyId: z.string().min(1).optional().describe('Access key; unset: the standard AWS chain (environment, profile, web identity, instance role).'),
            secretAccessKey: z.string().min(1).optional().describe('Secret key of accessKeyId.'),
            sessionToken: z.string().min(1).optional().describe('Session token of temporary credentials.'),
            storageClass: z.string().min(1).optional().describe('Storage class of new objects (e.g. STANDARD, STANDARD_IA, INTELLIGENT_TIERING).'),
            serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional().describe('Server-side encryption of new objects: AES256 (SSE-S3) or aws:kms (SSE-KMS).'),
            kmsKeyId: z.string().min(1).optional().describe('KMS key id for serverSideEncryption aws:kms (unset: the account default key).'),
            partSizeMb: z.coerce.number().int().min(5).max(5120).default(8).describe('Multipart part size in MiB (S3 needs at least 5); a part is sent once this much of an upload arrived.'),
            maxAttempts: positiveInt.default(5).describe('Attempts per S3 request: throttling and 5xx are retried with exponential backoff and jitter.'),
            redirect: flag.default(false).describe('Answer blob GETs with 307 to a presigned URL so the object store serves the bytes (clients must reach the store).'),
            redirectExpirySeconds: z.coerce.number().int().min(1).max(604800).default(300).describe('Lifetime of the presigned blob URLs.'),
          })
          .strict()
          .refine((s3) => s3.kmsKeyId === undefined || s3.serverSideEncryption === 'aws:kms', { message: 'kmsKeyId needs serverSideEncryption aws:kms' })
          .refine((s3) => (s3.accessKeyId === undefined) === (s3.secretAccessKey === undefined), { message: 'accessKeyId and secretAccessKey must be given together' })
          .prefault({}),
      })
      .strict()
      .refine((storage) => storage.driver !== 's3' || storage.s3.bucket !== undefined, { message: 'storage.s3.bucket is required with storage.driver s3', path: ['s3', 'bucket'] })
      .prefault({}),
    metadata: z
      .object({
        url: z
          .string()
          .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite:, postgres:// or postgresql://')
          .optional()
          .describe('Metadata database: sqlite:<file> (default: sqlite:<data>/berth.db) or postgres://user@host:port/db (?schema=name selects a schema).'),
      })
      .strict()
      .prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
          .optional()
          .describe('Redis shared by the nodes (redis://[:password@]host:port/db): manifest-cache invalidation, rate limits, login throttling. Unset: all of it is local to the node.'),
        keyPrefix: z.string().default('berth:').describe('Prefix of every Redis key and channel, so registries can share one Redis.'),
      })
      .strict()
      .prefault({}),
    uploads: z
      .object({
        chunkMinLength: positiveInt
          .default(1024 * 1024)
          .describe('OCI-Chunk-Min-Length advertised to clients for chunked uploads (a hint; smaller chunks are still accepted).'),
        maxSessionsPerPrincipal: z.coerce
          .number()
          .int()
          .min(0)
          .default(100)
          .describe('Unfinished upload sessions one user or robot may hold at once; more get 429 TOOMANYREQUESTS (0: no cap). Not applied when auth.mode is none.'),
        maxSessionsPerNamespace: z.coerce
          .number()
          .int()
          .min(0)
          .default(1000)
          .describe("Unfinished upload sessions a namespace's repositories may hold at once; more get 429 TOOMANYREQUESTS (0: no cap)."),
      })
      .strict()
      .prefault({}),
    manifests: z
      .object({
        maxBytes: positiveInt.default(4 * 1024 * 1024).describe('Largest manifest accepted; larger pushes get 413.'),
        cacheEntries: z.coerce.number().int().min(0).default(10000).describe('Manifests kept in the in-memory cache (0 turns it off).'),
        tagListCacheRepositories: z.coerce
          .number()
          .int()
          .min(0)
          .default(1000)
          .describe('Repositories whose sorted tag list is kept in memory, checked against a version on every request (0 turns it off).'),
      })
      .strict()
      .prefault({}),
    adminPassword: z
      .string()
      .min(8, 'must be at least 8 characters')
      .optional()
      .describe('Password of the `admin` account created on first start (BERTH_ADMIN_PASSWORD). When unset, one is generated and printed once.'),
    tls: z
      .object({
        cert: z.string().min(1).optional().describe('PEM certificate (chain) file: with tls.key, Berth serves HTTPS (--tls-cert).'),
        key: z.string().min(1).optional().describe('PEM private key file of tls.cert (--tls-key).'),
      })
      .strict()
      .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { message: 'tls.cert and tls.key must be given together' })
      .prefault({}),
    auth: z
      .object({
        mode: z
          .enum(['token', 'none'])
          .default('token')
          .describe('token: pushes, deletes and private pulls need credentials (Docker token auth, Basic also accepted). none: no access control at all, for a trusted local loop only.'),
        token: z
          .object({
            realm: z.string().url().optional().describe('Token endpoint URL put in challenges (default: <scheme>://<host of the request>/token).'),
            service: z.string().min(1).default('berth').describe('The service name in challenges and the audience of tokens.'),
            issuer: z.string().min(1).default('berth').describe('The issuer (iss) of tokens.'),
            lifetimeSeconds: positiveInt.default(300).describe('Lifetime of access tokens.'),
            refreshLifetimeSeconds: positiveInt.default(7 * 24 * 3600).describe('Lifetime of refresh tokens (OAuth2 offline access).'),
          })
          .strict()
          .prefault({}),
        namespaces: z
          .object({
            depth: positiveInt.default(1).describe('Leading path components that name a repository\'s namespace (1: team/app → team).'),
            root: z.string().min(1).default('library').describe('Namespace of repository names without a slash.'),
            personal: flag.default(true).describe('Every user owns the namespace named like them.'),
          })
          .strict()
          .prefault({}),
        keyEncryptionKey: z
          .string()
          .min(16, 'must be at least 16 characters')
          .optional()
          .describe('Secret that encrypts the token-signing private keys in the metadata store (AES-256-GCM); required with PostgreSQL. Every node needs the same one.'),
        keyEncryptionKeyFile: z.string().min(1).optional().describe('File holding auth.keyEncryptionKey (a mounted Secret); surrounding whitespace is ignored.'),
        adminGroups: list.default([]).describe('Directory (LDAP/OIDC) groups whose members are system admins (comma-separated).'),
        trustedProxies: list
          .default([])
          .describe('CIDRs of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated); the client address is the first untrusted hop.'),
        ldap: z
          .object({
            url: z.string().regex(/^ldaps?:\/\//, 'must start with ldap:// or ldaps://').optional().describe('LDAP / Active Directory server (enables LDAP logins).'),
            startTls: flag.default(false).describe('Upgrade ldap:// connections with StartTLS.'),
            tlsCaFile: z.string().min(1).optional().describe('PEM CA bundle trusted for LDAPS / StartTLS.'),
            tlsInsecure: flag.default(false).describe('Do not verify the LDAP server certificate (testing only).'),
            bindDn: z.string().default('').describe('Service account DN used to search users.'),
            bindPassword: z.string().default('').describe('Service account password.'),
            userBase: z.string().default('').describe('Where users are searched.'),
            userFilter: z.string().default('(uid={username})').describe('User search filter; {username} is escaped. AD: (sAMAccountName={username}).'),
            usernameAttribute: z.string().default('uid').describe('Attribute holding the login name (AD: sAMAccountName).'),
            emailAttribute: z.string().default('mail').describe('Attribute holding the e-mail address.'),
            groupBase: z.string().min(1).optional().describe('Where groups are searched (unset: no group search).'),
            groupFilter: z.string().default('(&(objectClass=groupOfNames)(member={dn}))').describe('Group search filter; {dn} is the user\'s DN, escaped.'),
            groupNameAttribute: z.string().default('cn').describe('Attribute naming a group.'),
            memberOfAttribute: z.string().min(1).optional().describe('Read groups from this attribute of the user (AD: memberOf).'),
            timeoutMs: positiveInt.default(5000).describe('Connect and operation timeout.'),
          })
          .strict()
          .prefault({}),
        oidc: z
          .object({
            issuer: z.string().url().optional().describe('OpenID Connect issuer URL (enables single sign-on at /auth/oidc/login).'),
            clientId: z.string().default('').describe('OIDC client id.'),
            clientSecret: z.string().optional().describe('OIDC client secret (unset: a public client with PKCE).'),
            scopes: list.default(['openid', 'profile', 'email', 'groups']).describe('Scopes asked for (comma-separated).'),
            usernameClaim: z.string().default('preferred_username').describe('Claim that becomes the Berth username.'),
            groupsClaim: z.string().default('groups').describe('Claim holding the user\'s groups.'),
            allowHttp: flag.default(false).describe('Allow an http:// issuer (testing only).'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    rateLimits: z
      .object({
        windowSeconds: positiveInt.default(60).describe('Window of the manifest-pull and token-request limits.'),
        manifestPullsPerPrincipal: nonNegativeInt.default(0).describe('Manifest pulls a user or robot may make per window (0: unlimited).'),
        manifestPullsPerIp: nonNegativeInt.default(0).describe('Manifest pulls a client address may make per window (0: unlimited).'),
        tokenRequestsPerIp: nonNegativeInt.default(0).describe('Logins and token requests a client address may make per window (0: unlimited).'),
        failedLogins: nonNegativeInt.default(5).describe('Failed logins of one user from one address before further attempts are refused (0: no throttle).'),
        failedLoginWindowSeconds: positiveInt.default(300).describe('Window in which failed logins are counted.'),
        failedLoginBlockSeconds: positiveInt.default(300).describe('How long logins stay refused once the failures are spent.'),
        unknownUserLoginsPerIp: nonNegativeInt
          .default(20)
          .describe('Password logins under names no account has that a client address may try per failedLoginWindowSeconds before it is refused (429; 0: unlimited).'),
        passwordVerifications: nonNegativeInt
          .default(4)
          .describe('Password (argon2) verifications run at once per node; more wait, logins of existing accounts first (0: no cap).'),
      })
      .strict()
      .prefault({}),
    gc: z
      .object({
        intervalSeconds: nonNegativeInt.default(3600).describe('How often `berth serve` collects garbage (0: never; `berth gc` runs it by hand).'),
        graceSeconds: positiveInt
          .default(24 * 3600)
          .describe('Nothing a push touched more recently than this is collected: it must outlast the longest push (uploading layers, then the manifest).'),
        tagHistoryHours: nonNegativeInt.default(7 * 24).describe('Manifests a tag pointed to within this window are kept, so a rollback finds them (0: none).'),
        uploadTtlSeconds: positiveInt.default(24 * 3600).describe('Upload sessions idle longer than this are purged with their bytes.'),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        enabled: flag.default(true).describe('Whether this node runs background jobs (webhook deliveries, scans …) from the shared queue; false: it serves requests only, other nodes run them.'),
        pollIntervalMs: positiveInt.default(1000).describe('How often the node looks for due jobs when idle (it looks again at once whenever a job it ran finishes).'),
        leaseSeconds: positiveInt.default(60).describe('How long a claimed job stays with its node without a renewal (renewed every third of it); a job of a node that died is taken over after this.'),
        retryBaseSeconds: positiveInt.default(10).describe('The delay before the first retry of a failed job; it doubles per attempt, with jitter.'),
        retryMaxSeconds: positiveInt.default(3600).describe('The longest delay between two attempts of a job.'),
        retentionDays: nonNegativeInt.default(7).describe('Finished jobs (done, dead, cancelled) older than this are pruned hourly (0: keep them forever).'),
      })
      .strict()
      .prefault({}),
    events: z
      .object({
        retentionDays: nonNegativeInt.default(7).describe('Events older than this are pruned hourly from the outbox (0: keep them forever); subscribers and `berth events` read only what is kept.'),
        dispatchIntervalMs: positiveInt.default(250).describe('How often a node running jobs looks for new events to hand to subscribers (webhooks, triggers): the floor of the event-to-delivery latency.'),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        retentionDays: nonNegativeInt.default(90).describe('Audit events older than this are pruned by each garbage collection, under its lease (0: keep them forever).'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level of the JSON logs.'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        namespaceLabels: nonNegativeInt
          .default(20)
          .describe('/metrics labels pushes and pulls with at most this many namespaces (the first seen since start); the rest count as "other", so the series stay bounded.'),
        storageCacheSeconds: nonNegativeInt.default(10).describe('How long /metrics reuses the storage totals (blob bytes, blob and manifest counts) it read from the metadata store.'),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({
        graceSeconds: positiveInt.default(30).describe('On SIGTERM, how long running requests (uploads) may take to finish.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The validated configuration (the core's settings; extensions read their own slices). */
export type Config = z.infer<typeof configSchema>;

/**
 * The core schema with the extensions' slices (extensions/catalog.ts), each one more top-level
 * key: one schema still yields every setting, its BERTH_* name and docs/configuration.md.
 */
export function withSlices<S extends Record<string, z.ZodType>>(slices: S) {
  return configSchema.extend(slices).strict();
}

/** A configuration schema: the core's, or the core's with slices. */
export type ConfigSchema = z.ZodType<Config, unknown>;
