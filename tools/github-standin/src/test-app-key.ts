import { generateKeyPairSync } from 'node:crypto';

/** A fresh RSA key pair in the PEM GitHub gives an App, for tests and the demo. */
export function generateAppKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}
