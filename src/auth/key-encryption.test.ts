import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSealed, KeyEncryption, KeyEncryptionError, keyEncryptionSecret } from './key-encryption.js';

const JWK = '{"kty":"EC","crv":"P-256","x":"x","y":"y","d":"the-private-part"}';

describe('key encryption of signing keys', () => {
  it('seals a private JWK so that neither the JWK nor its d appears, and opens it again', () => {
    const kek = new KeyEncryption('a secret of enough length');
    const sealed = kek.seal('kid-1', JWK);
    assert.equal(isSealed(sealed), true);
    assert.equal(isSealed(JWK), false);
    assert.doesNotMatch(sealed, /the-private-part|"d"|"kty"/);
    assert.equal(kek.open('kid-1', sealed), JWK);
    assert.notEqual(kek.seal('kid-1', JWK), sealed, 'a fresh salt and IV every time');
  });

  it('refuses another secret by its key id, an envelope moved to another kid, and a damaged one', () => {
    const kek = new KeyEncryption('a secret of enough length');
    const sealed = kek.seal('kid-1', JWK);
    assert.throws(() => new KeyEncryption('another secret, long enough').open('kid-1', sealed), (error: unknown) => error instanceof KeyEncryptionError && /encrypted with another key-encryption secret/.test(error.message));
    assert.throws(() => kek.open('kid-2', sealed), (error: unknown) => error instanceof KeyEncryptionError && /^signing key kid-2 could not be decrypted/.test(error.message));
    const damaged = JSON.stringify({ ...(JSON.parse(sealed) as Record<string, string>), data: Buffer.from('garbage').toString('base64url') });
    assert.throws(() => kek.open('kid-1', damaged), KeyEncryptionError);
  });

  it('takes the secret from the setting or its file, never both', () => {
    assert.equal(keyEncryptionSecret({}), undefined);
    assert.equal(keyEncryptionSecret({ keyEncryptionKey: 'inline secret value' }), 'inline secret value');
    assert.throws(() => keyEncryptionSecret({ keyEncryptionKey: 'inline secret value', keyEncryptionKeyFile: '/x' }), /not both/);
    assert.throws(() => keyEncryptionSecret({ keyEncryptionKeyFile: '/nonexistent/kek' }), /auth\.keyEncryptionKeyFile \/nonexistent\/kek could not be read/);
  });
});
