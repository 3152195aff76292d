/**
 * A private OpenLDAP server for tests: its own temp folder, slapd.conf, mdb database, self-signed
 * CA and server certificate, and a small directory (people, groups, a service account). It never
 * touches a system slapd: it listens on free 127.0.0.1 ports for ldap:// and ldaps://.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';

const run = promisify(execFile);

export const BASE_DN = 'dc=berth,dc=test';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
const ROOT_DN = `cn=admin,${BASE_DN}`;
const SERVICE_DN = `cn=berth-service,ou=services,${BASE_DN}`;

/**
 * The users the directory holds, by uid. `special` has every filter and DN metacharacter in its
 * uid, so a correct login proves escaping rather than refusing; `twin` exists twice (ambiguous).
 */
export const USERS = {
  alice: { uid: 'alice', password: 'alice-pw', mail: 'alice@berth.test' },
  bob: { uid: 'bob', password: 'bob-pw', mail: 'bob@berth.test' },
  carol: { uid: 'carol', password: 'carol-pw', mail: 'carol@berth.test' },
  special: { uid: "o'neil, (ops)*\\", password: 'special-pw', mail: 'oneil@berth.test' },
  twin: { uid: 'twin', password: 'twin-pw', mail: 'twin@berth.test' },
} as const;

/** A running slapd; stop() kills it and removes its folder. */
export interface Slapd {
  url: string;
  ldapsUrl: string;
  caFile: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  stop(): Promise<void>;
}

const SCHEMA_DIRS = ['/etc/ldap/schema', '/etc/openldap/schema'];
const MODULE_DIRS = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap'];

async function exists(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(() => true, () => false);
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) if (await exists(path)) return path;
  return undefined;
}

/** slapd lives in /usr/sbin, which a non-root PATH often lacks. */
async function slapdPath(): Promise<string | undefined> {
  const folders = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const folder of folders) {
    if (folder === '') continue;
    const path = join(folder, 'slapd');
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return undefined;
}

/** A one-line skip reason when slapd (Debian: slapd) or openssl is missing, false when both are there. */
export async function slapdMissing(): Promise<string | false> {
  if ((await slapdPath()) === undefined) return 'slapd not installed (Debian package slapd)';
  if ((await firstExisting(SCHEMA_DIRS)) === undefined) return 'OpenLDAP schema folder not found';
  try {
    await run('openssl', ['version']);
  } catch {
    return 'openssl not installed';
  }
  return false;
}

/** A port nothing listens on right now (slapd takes it a moment later; start retries a clash). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A CA and a server certificate for 127.0.0.1 / localhost, valid for a day. */
async function makeCertificates(folder: string): Promise<{ ca: string; cert: string; key: string }> {
  const p = (name: string) => join(folder, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '1', '-subj', '/CN=Berth test CA']);
  await run('openssl', ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(p('server.ext'), 'basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '1', '-extfile', p('server.ext'), '-out', p('server.crt')]);
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key') };
}

async function slapdConf(folder: string, certs: { ca: string; cert: string; key: string }): Promise<string> {
  const schema = await firstExisting(SCHEMA_DIRS);
  const modules = await firstExisting(MODULE_DIRS);
  // Debian builds back_mdb and memberof as modules; other builds may link them in.
  const load: string[] = [];
  if (modules !== undefined) {
    load.push(`modulepath ${modules}`);
    for (const name of ['back_mdb', 'memberof']) if (await exists(join(modules, `${name}.so`))) load.push(`moduleload ${name}`);
  }
  return [
    ...['core', 'cosine', 'inetorgperson'].map((name) => `include ${schema}/${name}.schema`),
    ...load,
    `pidfile ${join(folder, 'slapd.pid')}`,
    `TLSCACertificateFile ${certs.ca}`,
    `TLSCertificateFile ${certs.cert}`,
    `TLSCertificateKeyFile ${certs.key}`,
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    'rootpw admin-pw',
    `directory ${join(folder, 'db')}`,
    // memberof keeps users' memberOf in step with groupOfNames/member, as AD does.
    'overlay memberof',
    // Passwords are only usable to bind; the service account (and a user, for its own entry)
    // can read; anonymous sees nothing, so a login that works proves the service bind happened.
    'access to attrs=userPassword by anonymous auth by * none',
    `access to * by dn.exact="${SERVICE_DN}" read by self read by * none`,
    '',
  ].join('\n');
}

type Attributes = Record<string, string | string[]>;

/** The directory's entries, parents first, groups last so memberof sees their members exist. */
function entries(): Array<[string, Attributes]> {
  const person = (user: { uid: string; password: string; mail: string }, parent = PEOPLE_DN): [string, Attributes] => [
    `uid=${escapeDnValue(user.uid)},${parent}`,
    { objectClass: 'inetOrgPerson', uid: user.uid, cn: user.uid, sn: user.uid, mail: user.mail, userPassword: user.password },
  ];
  const group = (cn: string, members: string[]): [string, Attributes] => [
    `cn=${escapeDnValue(cn)},${GROUPS_DN}`,
    { objectClass: 'groupOfNames', cn, member: members.map((uid) => `uid=${escapeDnValue(uid)},${PEOPLE_DN}`) },
  ];
  return [
    [BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'berth', o: 'Berth test' }],
    [PEOPLE_DN, { objectClass: 'organizationalUnit', ou: 'people' }],
    [`ou=contractors,${PEOPLE_DN}`, { objectClass: 'organizationalUnit', ou: 'contractors' }],
    [GROUPS_DN, { objectClass: 'organizationalUnit', ou: 'groups' }],
    [`ou=services,${BASE_DN}`, { objectClass: 'organizationalUnit', ou: 'services' }],
    [SERVICE_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'berth-service', userPassword: 'service-pw' }],
    ...[USERS.alice, USERS.bob, USERS.carol, USERS.special, USERS.twin].map((user) => person(user)),
    person(USERS.twin, `ou=contractors,${PEOPLE_DN}`),
    group('developers', [USERS.alice.uid, USERS.special.uid]),
    group('admins', [USERS.alice.uid]),
    group('readers', [USERS.bob.uid]),
    group('ops, on-call', [USERS.bob.uid]),
  ];
}

/** RFC 4514 §2.4: escape the characters a DN attribute value can't hold literally. */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]| $/g, (c) => `\\${c}`);
}

/** Resolves once something accepts TCP connections on the port. */
async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Spawns slapd on two fresh ports; resolves once it accepts connections, rejects if it exits. */
async function launch(slapd: string, conf: string): Promise<{ child: ChildProcess; ldapPort: number; ldapsPort: number }> {
  const ldapPort = await freePort();
  const ldapsPort = await freePort();
  // -d 0 keeps slapd in the foreground (a child we can kill) without debug output.
  const child = spawn(slapd, ['-d', '0', '-f', conf, '-h', `ldap://127.0.0.1:${ldapPort}/ ldaps://127.0.0.1:${ldapsPort}/`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`slapd exited: ${stderr.trim()}`);
    if ((await listening(ldapPort)) && (await listening(ldapsPort))) return { child, ldapPort, ldapsPort };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stopProcess(child);
  throw new Error(`slapd did not start within 5 s: ${stderr.trim()}`);
}

/** Starts a private slapd with the test directory loaded. */
export async function startSlapd(): Promise<Slapd> {
  const slapd = await slapdPath();
  if (slapd === undefined) throw new Error('slapd not installed');
  const folder = await mkdtemp(join(tmpdir(), 'berth-slapd-'));
  const remove = () => rm(folder, { recursive: true, force: true, maxRetries: 3 });
  try {
    await mkdir(join(folder, 'db'));
    const certs = await makeCertificates(folder);
    const conf = join(folder, 'slapd.conf');
    await writeFile(conf, await slapdConf(folder, certs));
    let launched: Awaited<ReturnType<typeof launch>> | undefined;
    // Another process may take a port between freePort() and slapd's bind; try fresh ones.
    for (let attempt = 1; launched === undefined; attempt++) {
      try {
        launched = await launch(slapd, conf);
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    const { child, ldapPort, ldapsPort } = launched;
    const url = `ldap://127.0.0.1:${ldapPort}`;
    try {
      // Loaded over LDAP rather than with slapadd: the memberof overlay only acts on live writes.
      const admin = new Client({ url, timeout: 5000 });
      try {
        await admin.bind(ROOT_DN, 'admin-pw');
        for (const [dn, attributes] of entries()) await admin.add(dn, attributes);
      } finally {
        await admin.unbind();
      }
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
    return {
      url,
      ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
      caFile: certs.ca,
      bindDn: SERVICE_DN,
      bindPassword: 'service-pw',
      baseDn: BASE_DN,
      stop: async () => {
        await stopProcess(child);
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
