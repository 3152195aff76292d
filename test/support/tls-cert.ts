/**
 * Throw-away TLS material for tests, made with the `openssl` CLI in a temp folder (never in the
 * project): a CA, and a server certificate it signs for 127.0.0.1 (IP SAN) and localhost. Go
 * clients (skopeo, podman) ignore the CN and verify only the SANs, so both are SANs.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Files of a test CA and a server certificate it signed. */
export interface TestCertificates {
  /** The temp folder holding everything below. */
  dir: string;
  /** PEM file of the CA certificate. */
  caCertFile: string;
  /** The CA certificate's PEM text, for Node's `ca` option. */
  ca: Buffer;
  /** PEM file of the server certificate (127.0.0.1, localhost). */
  certFile: string;
  /** PEM file of the server's private key. */
  keyFile: string;
  /** A folder holding only `ca.crt`: what containers/image clients take as --cert-dir. */
  certDir: string;
  /** Removes the folder. */
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd, timeout: 30_000 });
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${failure.stderr ?? failure.message}`);
  }
}

/** Makes a CA (valid one day) and a server certificate for 127.0.0.1 and localhost signed by it. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-tls-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(
      ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Berth test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    await openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
    await writeFile(
      join(dir, 'server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
    const ca = await readFile(join(dir, 'ca.pem'));
    // Only the CA in the cert dir: a *.key there would be taken for a client certificate's key.
    const certDir = join(dir, 'certs.d');
    await mkdir(certDir);
    await writeFile(join(certDir, 'ca.crt'), ca);
    return {
      dir,
      caCertFile: join(dir, 'ca.pem'),
      ca,
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      certDir,
      remove: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
