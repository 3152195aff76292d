// Static checks of the deployment files (Dockerfile, deploy/**, docs/deploy.md): this machine has
// no Docker engine and no Kubernetes, so what can't run here is checked for shape and for agreement
// with the code (settings, port, probes) and across the three deploy routes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { listSettings } from '../../src/app.js';
import { at, berthNames, filesUnder, parseDockerfile, read, root, yamlDocument, yamlDocuments, type Yaml } from './support.js';

const settings = listSettings();
const settingEnvNames = new Set(settings.map((s) => s.env));
const defaultOf = (env: string): unknown => settings.find((s) => s.env === env)?.defaultValue;
/** The port `berth serve` listens on by default (listen's default, HOST:PORT). */
const listenPort = Number(String(defaultOf('BERTH_LISTEN')).split(':').pop());

const deployFiles = filesUnder('deploy');
const helmTemplates = deployFiles.filter((f) => f.startsWith('deploy/helm/berth/templates/'));
// Helm templates are Go templates, not YAML, until rendered.
const yamlFiles = deployFiles.filter((f) => /\.ya?ml$/.test(f) && !helmTemplates.includes(f));

/** The single object of `kind` among `objects`. */
function one(objects: Yaml[], kind: string): Yaml {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
}

/** `which`, without depending on the shell: the tool's presence decides whether a test runs. */
function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

describe('deployment files: syntax and settings', () => {
  it('every YAML file under deploy/ parses (every document, no warnings)', () => {
    assert.ok(yamlFiles.length >= 10, `found ${yamlFiles.join(', ')}`);
    for (const file of yamlFiles) assert.doesNotThrow(() => yamlDocuments(file), file);
  });

  it('every BERTH_* variable the deployment files name is a setting of the config schema', () => {
    const files = ['Dockerfile', 'docs/deploy.md', ...deployFiles];
    for (const file of files) {
      const unknown = berthNames(read(file)).filter((name) => !settingEnvNames.has(name));
      assert.deepEqual(unknown, [], `${file} names variables docs/configuration.md lacks`);
    }
  });

  it('secrets are placeholders: every Secret value and secret default says change-me', () => {
    const secret = one(yamlDocuments('deploy/kubernetes/secret.yaml'), 'Secret');
    const values = yamlDocument('deploy/helm/berth/values.yaml');
    for (const [name, value] of [...Object.entries(secret.stringData as Yaml), ...Object.entries(values.secret as Yaml)]) {
      assert.match(String(value), /change-me/, name);
    }
    const compose = read('deploy/compose/docker-compose.yaml');
    for (const match of compose.matchAll(/(PASSWORD|SECRET[A-Z_]*):\s*(\S+)/g)) {
      assert.match(match[2]!, /change-me/, `compose ${match[1]}`);
    }
  });
});

describe('deploy/kubernetes', () => {
  const dir = 'deploy/kubernetes';
  const kustomization = yamlDocument(`${dir}/kustomization.yaml`);
  const manifestFiles = yamlFiles.filter((f) => dirname(f) === dir && !f.endsWith('kustomization.yaml'));
  const objects = manifestFiles.flatMap((f) => yamlDocuments(f));
  const deployment = one(objects, 'Deployment');
  const pod = at(deployment, 'spec.template.spec') as Yaml;
  const podLabels = at(deployment, 'spec.template.metadata.labels') as Yaml;
  const containers = pod.containers as Yaml[];
  const container = containers[0]!;
  const configMap = one(objects, 'ConfigMap');
  const secret = one(objects, 'Secret');

  it('kustomization.yaml lists every manifest of the folder, and only those', () => {
    assert.deepEqual([...(kustomization.resources as string[])].sort(), manifestFiles.map((f) => f.slice(dir.length + 1)).sort());
  });

  it('has the objects of a scaled-out registry, namespace-agnostic', () => {
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount']);
    for (const o of objects) assert.equal(at(o, 'metadata.namespace'), undefined, `${String(o.kind)} names no namespace`);
    assert.equal(one(objects, 'HorizontalPodAutoscaler').apiVersion, 'autoscaling/v2');
    assert.equal(one(objects, 'PodDisruptionBudget').apiVersion, 'policy/v1');
  });

  it('the Deployment runs 3 non-root replicas on a read-only root with /tmp writable', () => {
    assert.equal(at(deployment, 'spec.replicas'), 3);
    assert.equal(containers.length, 1);
    assert.equal(at(pod, 'securityContext.runAsNonRoot'), true);
    assert.ok(Number(at(pod, 'securityContext.runAsUser')) > 0);
    assert.equal(at(container, 'securityContext.readOnlyRootFilesystem'), true);
    assert.equal(at(container, 'securityContext.allowPrivilegeEscalation'), false);
    const mounts = container.volumeMounts as Yaml[];
    const tmp = mounts.find((m) => m.mountPath === '/tmp');
    assert.ok(tmp, '/tmp is mounted');
    assert.ok((pod.volumes as Yaml[]).some((v) => v.name === tmp.name && v.emptyDir !== undefined), '/tmp is an emptyDir');
    assert.ok(at(container, 'resources.requests.cpu'), 'a CPU request, which the HPA scales against');
    assert.ok(pod.topologySpreadConstraints ?? at(pod, 'affinity.podAntiAffinity'), 'pods spread over machines');
  });

  it('probes: readiness on /readyz, liveness and startup on /healthz, on the port Berth listens on', () => {
    const ports = container.ports as Yaml[];
    assert.deepEqual(ports.map((p) => p.containerPort), [listenPort]);
    assert.equal(configMap.data && (configMap.data as Yaml).BERTH_LISTEN, undefined, 'listen stays at its default');
    const probePath = (probe: string): [unknown, unknown] => [at(container, `${probe}.httpGet.path`), at(container, `${probe}.httpGet.port`)];
    const port = (p: unknown): unknown => ports.find((q) => q.name === p)?.containerPort ?? p;
    for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz'], ['startupProbe', '/healthz']] as const) {
      const [actual, probePort] = probePath(probe);
      assert.equal(actual, path, probe);
      assert.equal(port(probePort), listenPort, `${probe} port`);
    }
  });

  it('shutdown: preStop sleeps, then the grace period outlasts shutdown.graceSeconds', () => {
    const command = at(container, 'lifecycle.preStop.exec.command') as string[];
    assert.equal(command[0], 'sleep');
    const grace = Number((configMap.data as Yaml).BERTH_SHUTDOWN_GRACE_SECONDS ?? defaultOf('BERTH_SHUTDOWN_GRACE_SECONDS'));
    assert.ok(Number(pod.terminationGracePeriodSeconds) > grace + Number(command[1]), `${String(pod.terminationGracePeriodSeconds)} > ${grace} + ${command[1]}`);
  });

  it('the objects reference each other by name and label', () => {
    const envFrom = container.envFrom as Yaml[];
    assert.deepEqual(envFrom.map((e) => at(e, 'configMapRef.name') ?? at(e, 'secretRef.name')), [at(configMap, 'metadata.name'), at(secret, 'metadata.name')]);
    assert.equal(pod.serviceAccountName, at(one(objects, 'ServiceAccount'), 'metadata.name'));
    const selects = (selector: unknown): boolean => Object.entries(selector as Yaml).every(([k, v]) => podLabels[k] === v);
    assert.ok(selects(at(deployment, 'spec.selector.matchLabels')));
    assert.ok(selects(at(one(objects, 'Service'), 'spec.selector')));
    assert.ok(selects(at(one(objects, 'PodDisruptionBudget'), 'spec.selector.matchLabels')));
    assert.equal(at(one(objects, 'Service'), 'spec.ports.0.targetPort'), (container.ports as Yaml[])[0]!.name);
    assert.equal(at(one(objects, 'HorizontalPodAutoscaler'), 'spec.scaleTargetRef.name'), at(deployment, 'metadata.name'));
    const images = kustomization.images as Yaml[];
    assert.equal(images[0]!.name, container.image, 'kustomization.yaml sets the image');
  });

  it('the settings suit several nodes: PostgreSQL, the s3 driver and Redis', () => {
    const data = configMap.data as Yaml;
    assert.equal(data.BERTH_STORAGE_DRIVER, 's3');
    assert.ok(data.BERTH_STORAGE_S3_BUCKET);
    assert.match(String(data.BERTH_REDIS_URL), /^rediss?:\/\//);
    assert.match(String((secret.stringData as Yaml).BERTH_METADATA_URL), /^postgres:\/\//);
  });

  it('kubectl kustomize builds the folder (when kubectl is installed)', { skip: onPath('kubectl') ? false : 'kubectl is not installed' }, () => {
    const run = spawnSync('kubectl', ['kustomize', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const built = yamlDocumentsOf(run.stdout);
    assert.deepEqual(built.map((o) => o.kind).sort(), objects.map((o) => o.kind).sort());
    const image = at(one(built, 'Deployment'), 'spec.template.spec.containers.0.image');
    assert.equal(image, `${String((kustomization.images as Yaml[])[0]!.newName)}:${String((kustomization.images as Yaml[])[0]!.newTag)}`);
  });
});

function yamlDocumentsOf(text: string): Yaml[] {
  return text.split(/^---$/m).map((doc) => parse(doc) as Yaml).filter((doc) => doc !== null);
}

describe('Dockerfile', () => {
  const { globals, stages } = parseDockerfile(read('Dockerfile'));
  const build = stages[0]!;
  const runtime = stages[stages.length - 1]!;
  const ops = (stage: { instructions: { op: string; args: string }[] }, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

  it('is multi-stage: a build stage, then a runtime stage on the same Node image', () => {
    assert.equal(stages.length, 2);
    assert.match(build.from, / AS build$/);
    assert.equal(runtime.from.split(' ')[0], build.from.split(' ')[0]);
    assert.match(globals.find((g) => g.op === 'ARG')?.args ?? '', /^NODE_IMAGE=node:24-/);
  });

  it('builds with npm ci, npm run build and npm prune --omit=dev', () => {
    const runs = ops(build, 'RUN').join('\n');
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev']) assert.ok(runs.includes(step), step);
    for (const copy of ops(build, 'COPY')) {
      for (const source of copy.split(' ').slice(0, -1)) assert.ok(existsSync(resolve(root, source)), `COPY ${source}`);
    }
  });

  it('the runtime stage copies only the built server and runs it as a non-root numeric user', () => {
    const copies = ops(runtime, 'COPY').map((c) => /^--from=build \/src\/(\S+) \S+$/.exec(c)?.[1]);
    assert.deepEqual(copies, ['package.json', 'node_modules', 'dist/src', 'bin']);
    const user = ops(runtime, 'USER').pop() ?? '';
    assert.match(user, /^\d+(:\d+)?$/, 'numeric, so runAsNonRoot can check it');
    assert.notEqual(Number(user.split(':')[0]), 0);
    assert.deepEqual(JSON.parse(ops(runtime, 'CMD').pop() ?? 'null'), ['node', 'bin/berth.js', 'serve']);
    assert.ok(existsSync(resolve(root, 'bin/berth.js')));
  });

  it('keeps data in the /data volume, exposes the listen port and checks /healthz', () => {
    assert.ok(ops(runtime, 'ENV').includes('BERTH_DATA=/data'));
    assert.deepEqual(ops(runtime, 'VOLUME'), ['["/data"]']);
    assert.deepEqual(ops(runtime, 'EXPOSE'), [String(listenPort)]);
    assert.match(ops(runtime, 'HEALTHCHECK').pop() ?? '', /CMD \["node", "-e", ".*\/healthz/);
  });

  it('.dockerignore keeps local state out and lets the copied sources in', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const path of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(path), path);
    for (const copy of ops(build, 'COPY')) {
      for (const source of copy.split(' ').slice(0, -1)) assert.ok(!ignored.includes(source), `${source} is copied, not ignored`);
    }
  });

  it('deploy/check-dockerfile.sh mirrors the COPY and RUN lines, in order', () => {
    // The script repeats the steps (no engine here to run the Dockerfile); this keeps them equal.
    const expected = [
      ...build.instructions.flatMap((i) => {
        if (i.op === 'COPY') return i.args.split(' ').slice(0, -1).map((source) => `copy_in ${source}`);
        if (i.op === 'RUN' && !i.args.startsWith('apt-get')) return [`run '${i.args}'`];
        return [];
      }),
      ...ops(runtime, 'COPY').map((c) => `copy_from_build ${c.split(' ')[1]!.replace('/src/', '')}`),
    ];
    const script = read('deploy/check-dockerfile.sh');
    const mirrored = script.split('\n').filter((l) => /^(copy_in|run|copy_from_build) /.test(l)).flatMap((l) => {
      const [verb, ...rest] = l.split(' ');
      return verb === 'copy_in' ? rest.map((s) => `copy_in ${s}`) : [l];
    });
    assert.deepEqual(mirrored, expected);
    assert.match(script, new RegExp(`RUN_AS=${ops(runtime, 'USER').pop()}\\b`));
  });
});

describe('deploy/compose', () => {
  const dir = 'deploy/compose';
  const compose = yamlDocument(`${dir}/docker-compose.yaml`);
  const services = compose.services as Record<string, Yaml>;
  const nodes = Object.entries(services).filter(([, s]) => at(s, 'build.dockerfile') === 'Dockerfile');

  it('runs PostgreSQL, MinIO with a bucket-creating one-shot, Redis, two Berth nodes and a balancer on 5000', () => {
    const images = Object.values(services).map((s) => String(s.image).split(':')[0]);
    for (const image of ['postgres', 'minio/minio', 'minio/mc', 'redis', 'nginx']) assert.ok(images.includes(image), image);
    assert.equal(nodes.length, 2);
    const balancer = Object.values(services).find((s) => String(s.image).startsWith('nginx'))!;
    assert.deepEqual(balancer.ports, [`${listenPort}:${listenPort}`]);
  });

  it('the nodes share PostgreSQL, the bucket and Redis', () => {
    for (const [name, node] of nodes) {
      const env = node.environment as Yaml;
      assert.match(String(env.BERTH_METADATA_URL), /^postgres:\/\/[^@]+@postgres:5432\//, name);
      assert.equal(env.BERTH_STORAGE_DRIVER, 's3', name);
      assert.match(String(env.BERTH_STORAGE_S3_ENDPOINT), /^http:\/\/minio:9000$/, name);
      assert.match(String(env.BERTH_REDIS_URL), /^redis:\/\/redis:6379/, name);
    }
  });

  it('referenced files exist: the build context and Dockerfile, the nginx config', () => {
    for (const [name, node] of nodes) {
      const context = resolve(root, dir, String(at(node, 'build.context')));
      assert.equal(context, root, name);
      assert.ok(existsSync(join(context, String(at(node, 'build.dockerfile')))), name);
    }
    for (const service of Object.values(services)) {
      for (const volume of (service.volumes as string[] | undefined) ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) assert.ok(existsSync(resolve(root, dir, source)), source);
      }
    }
  });

  it('depends_on waits on healthchecks and on the bucket being created', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, rule] of Object.entries((service.depends_on as Record<string, Yaml> | undefined) ?? {})) {
        assert.ok(services[target], `${name} depends on ${target}`);
        if (rule.condition === 'service_healthy') assert.ok(services[target]!.healthcheck, `${target} has a healthcheck`);
        else assert.equal(rule.condition, 'service_completed_successfully', `${name} → ${target}`);
      }
    }
    for (const [name] of nodes) assert.equal(at(services[name], 'depends_on.create-bucket.condition'), 'service_completed_successfully');
  });

  it('nginx balances over exactly the Berth nodes, on the port they listen on', () => {
    const conf = read(`${dir}/nginx.conf`);
    const upstreams = [...conf.matchAll(/^\s*server ([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    assert.deepEqual(upstreams.sort(), nodes.map(([name]) => `${name}:${listenPort}`).sort());
    assert.match(conf, /client_max_body_size 0;/);
    assert.match(conf, /proxy_request_buffering off;/);
  });
});

describe('deploy/helm/berth', () => {
  const dir = 'deploy/helm/berth';
  const chart = yamlDocument(`${dir}/Chart.yaml`);
  const values = yamlDocument(`${dir}/values.yaml`);
  const templates = helmTemplates.map((file) => ({ file, text: read(file) }));
  const plain = filesUnder('deploy/kubernetes').filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml')).flatMap((f) => yamlDocuments(f));

  it('Chart.yaml is a v2 application chart whose appVersion is the package version', () => {
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'berth');
    assert.match(String(chart.version), /^\d+\.\d+\.\d+/);
    assert.equal(chart.appVersion, (JSON.parse(read('package.json')) as { version: string }).version);
  });

  it('every .Values path the templates use exists in values.yaml', () => {
    for (const { file, text } of templates) {
      for (const match of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        assert.notEqual(at(values, match[1]!.slice(1)), undefined, `${file}: .Values${match[1]}`);
      }
    }
  });

  it('every included template is defined, and every block is closed', () => {
    const helpers = templates.map((t) => t.text).join('\n');
    const defined = new Set([...helpers.matchAll(/\{\{-?\s*define "([^"]+)"/g)].map((m) => m[1]));
    for (const { file, text } of templates) {
      for (const match of text.matchAll(/include "([^"]+)"/g)) assert.ok(defined.has(match[1]), `${file}: ${match[1]}`);
      const opens = text.match(/\{\{-?\s*(if|with|range|define|block)\b/g)?.length ?? 0;
      const ends = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
      assert.equal(opens, ends, `${file}: {{ if/with/range/define }} vs {{ end }}`);
    }
  });

  it('makes the plain manifests\' kinds, plus an optional Ingress', () => {
    const kinds = templates.flatMap(({ text }) => [...text.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]));
    assert.deepEqual(kinds.sort(), [...plain.map((o) => String(o.kind)), 'Ingress'].sort());
    assert.ok(templates.some((t) => t.file.endsWith('NOTES.txt')));
  });

  it('its defaults give the same objects as the plain manifests', () => {
    const deployment = one(plain, 'Deployment');
    const container = at(deployment, 'spec.template.spec.containers.0') as Yaml;
    assert.deepEqual(values.config, at(one(plain, 'ConfigMap'), 'data'));
    assert.deepEqual(values.secret, at(one(plain, 'Secret'), 'stringData'));
    assert.deepEqual(values.podSecurityContext, at(deployment, 'spec.template.spec.securityContext'));
    assert.deepEqual(values.securityContext, container.securityContext);
    assert.deepEqual(values.resources, container.resources);
    assert.equal(values.replicaCount, at(deployment, 'spec.replicas'));
    for (const [name, probe] of [['readiness', 'readinessProbe'], ['liveness', 'livenessProbe'], ['startup', 'startupProbe']] as const) {
      const { httpGet: _path, ...timing } = container[probe] as Yaml;
      assert.deepEqual(at(values, `probes.${name}`), timing, name);
    }
    assert.deepEqual(at(container, 'lifecycle.preStop.exec.command'), ['sleep', String(values.preStopSleepSeconds)]);
    // _helpers.tpl: shutdown grace + preStop sleep + margin.
    const grace = Number((values.config as Yaml).BERTH_SHUTDOWN_GRACE_SECONDS) + Number(values.preStopSleepSeconds) + Number(values.terminationMarginSeconds);
    assert.equal(grace, at(deployment, 'spec.template.spec.terminationGracePeriodSeconds'));
    const hpa = one(plain, 'HorizontalPodAutoscaler');
    assert.equal(at(values, 'autoscaling.minReplicas'), at(hpa, 'spec.minReplicas'));
    assert.equal(at(values, 'autoscaling.maxReplicas'), at(hpa, 'spec.maxReplicas'));
    assert.equal(at(values, 'autoscaling.targetCPUUtilizationPercentage'), at(hpa, 'spec.metrics.0.resource.target.averageUtilization'));
    assert.equal(at(values, 'podDisruptionBudget.maxUnavailable'), at(one(plain, 'PodDisruptionBudget'), 'spec.maxUnavailable'));
    assert.equal(at(values, 'service.port'), at(one(plain, 'Service'), 'spec.ports.0.port'));
  });
  // No Helm renderer here (Debian 12 packages none and there is no internet): the checks above
  // stand in for `helm template`; docs/deploy.md says the chart has never been rendered in CI.
});

describe('docs/deploy.md', () => {
  it('links the configuration reference and names the three deploy routes', () => {
    const doc = read('docs/deploy.md');
    assert.match(doc, /\]\(configuration\.md\)/);
    for (const path of ['deploy/kubernetes', 'deploy/helm/berth', 'deploy/compose/docker-compose.yaml']) {
      assert.ok(doc.includes(path), path);
      assert.ok(existsSync(resolve(root, path)), path);
    }
  });
});
