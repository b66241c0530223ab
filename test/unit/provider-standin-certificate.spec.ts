import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

// The provider stand-in's AutoMTLS certificate (test/fixtures/terraform-provider/tls.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createServerCertificate } = require('../fixtures/terraform-provider/tls') as {
  createServerCertificate: () => { certPem: string; keyPem: string; der: Buffer };
};

describe('the provider stand-in certificate', () => {
  // A random serial starts with a zero byte about once in 256 certificates; encoded non-minimally,
  // OpenSSL refused it ("illegal padding") and that provider process died before its handshake.
  it('is valid DER that TLS accepts, for every random serial and key of 2,000 certificates', () => {
    const refused: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const { der, certPem, keyPem } = createServerCertificate();
      try {
        const parsed = new X509Certificate(der);
        expect(parsed.subject).toContain('CN=localhost');
        createSecureContext({ cert: certPem, key: keyPem });
      } catch (error) {
        refused.push((error as Error).message);
      }
    }
    expect(refused).toEqual([]);
  });
});
