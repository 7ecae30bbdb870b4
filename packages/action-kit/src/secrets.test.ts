import { describe, expect, it } from 'vitest';
import { maskSecret, secretPieces } from './secrets.js';

describe('secret masking', () => {
  it('registers a multi-line PEM whole and line by line, skipping trivially short lines', () => {
    const pem =
      '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n}\n-----END KEY-----\n';
    const registered: string[] = [];
    maskSecret((v) => registered.push(v), pem);
    expect(registered).toContain(pem.trim());
    expect(registered).toContain('MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu');
    expect(registered).not.toContain('}');
  });

  it('ignores empty values', () => {
    expect(secretPieces('  ')).toEqual([]);
    const registered: string[] = [];
    maskSecret((v) => registered.push(v), undefined);
    expect(registered).toEqual([]);
  });
});
