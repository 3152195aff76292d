import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load-config.js';
import { listSettings } from './settings.js';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'berth-config-')), 'berth.yaml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('has a default for everything the embedded registry needs', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.listen, '0.0.0.0:5000');
    assert.equal(config.data, './data');
    assert.equal(config.metadata.url, undefined);
    assert.equal(config.manifests.maxBytes, 4 * 1024 * 1024);
  });

  it('layers defaults ← YAML ← BERTH_* env ← flags', () => {
    const file = yamlFile('listen: 127.0.0.1:6000\ndata: /yaml\nlog:\n  level: debug\nuploads:\n  chunkMinLength: 100\n');
    const config = loadConfig({ file, env: { BERTH_DATA: '/env', BERTH_UPLOADS_CHUNK_MIN_LENGTH: '200' }, flags: { data: '/flag' } });
    assert.equal(config.listen, '127.0.0.1:6000');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.uploads.chunkMinLength, 200);
    assert.equal(config.data, '/flag');
  });

  it('stops on a bad value naming the key and where it came from', () => {
    assert.throws(() => loadConfig({ env: { BERTH_LISTEN: 'nowhere' } }), (e: Error) => e instanceof ConfigError && /listen/.test(e.message) && /BERTH_LISTEN/.test(e.message));
    assert.throws(() => loadConfig({ env: { BERTH_MANIFESTS_MAX_BYTES: '-1' } }), /manifests\.maxBytes/);
    assert.throws(() => loadConfig({ env: { BERTH_METADATA_URL: 'mysql://x' } }), /metadata\.url/);
  });

  it('stops on an unknown key in the YAML file, naming it', () => {
    assert.throws(() => loadConfig({ file: yamlFile('storage:\n  drvier: filesystem\n'), env: {} }), /storage\.drvier/);
  });

  it('stops on a YAML file that does not parse or is missing', () => {
    assert.throws(() => loadConfig({ file: yamlFile('listen: [\n'), env: {} }), /not valid YAML/);
    assert.throws(() => loadConfig({ file: '/nonexistent/berth.yaml', env: {} }), /cannot read config file/);
  });

  it('stops on an unknown BERTH_* variable, naming the nearest setting', () => {
    assert.throws(
      () => loadConfig({ env: { BERTH_METADTA_URL: 'postgres://x@y/z' } }),
      (e: Error) => e instanceof ConfigError && e.message === 'unknown environment variable BERTH_METADTA_URL: no setting has that name (did you mean BERTH_METADATA_URL?); see docs/configuration.md',
    );
    assert.throws(() => loadConfig({ env: { BERTH_GC_GRACE_SECOND: '5' } }), /did you mean BERTH_GC_GRACE_SECONDS\?/);
  });

  it('accepts the BERTH_* names the project uses for other things than settings', () => {
    const config = loadConfig({ env: { BERTH_CONFIG_DIR: '/tmp/x', BERTH_TEST_POSTGRES_URL: 'postgres://x', BERTH_TEST_S3_ENDPOINT: 'http://x', OTHER_TOOL: 'y' } });
    assert.equal(config.listen, '0.0.0.0:5000');
  });

  it('maps every setting to a BERTH_ variable of its path', () => {
    const envs = listSettings().map((s) => s.env);
    assert.ok(envs.includes('BERTH_METADATA_URL'));
    assert.ok(envs.includes('BERTH_STORAGE_FILESYSTEM_ROOT'));
    assert.equal(new Set(envs).size, envs.length);
    for (const s of listSettings()) assert.notEqual(s.description, '', `${s.key} has a description`);
  });
});
