import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid } from '../../src/privacy/checksums.js';
import { Redactor } from '../../src/privacy/redactor.js';
import { expectStrataError } from '../helpers/memory.js';

/** Real-looking data: reserved/example ranges where the plans have them, test card numbers, example IBANs. */
const EMAILS = ['john.doe+newsletter@mail.example.co.uk', 'A.Smith@sub.domain.example.org', 'zeynep_k@posta.example.com.tr'];

const PHONES: ReadonlyArray<{ country: 'GB' | 'US' | 'DE' | 'TR' | 'FR'; national: string; international: string }> = [
  { country: 'GB', national: '020 7946 0958', international: '+44 7911 123456' },
  { country: 'US', national: '(415) 555-2671', international: '+1 212-555-0187' },
  { country: 'DE', national: '030 12345678', international: '+49 151 23456789' },
  { country: 'TR', national: '0532 123 45 67', international: '+90 212 555 12 34' },
  { country: 'FR', national: '06 12 34 56 78', international: '+33 1 23 45 67 89' },
];

const CARDS = [
  '4111 1111 1111 1111', // Visa, spaces
  '5555-5555-5555-4444', // Mastercard, dashes
  '2223 0031 2200 3222', // Mastercard 2-series
  '3782 822463 10005', // Amex, 4-6-5
  '6011111111111117', // Discover, no separators
  '3530 1113 3330 0000', // JCB
];

const IBANS = [
  'GB82 WEST 1234 5698 7654 32',
  'DE89370400440532013000',
  'FR14 2004 1010 0505 0001 3M02 606',
  'TR33 0006 1005 1978 6457 8413 26',
  'NL91 ABNA 0417 1643 00',
];

const IPS = ['192.168.1.20', '203.0.113.7', '2001:db8::8a2e:370:7334', 'fe80::1', '::1'];

const redactor = new Redactor({ phoneCountries: ['GB', 'US', 'DE', 'TR', 'FR'] });

describe('PII redaction: detection', () => {
  it('masks emails with plus-tags, dots, upper case and subdomains', () => {
    for (const email of EMAILS) {
      const result = redactor.redact('t', `write to ${email}, thanks`);
      expect(result.text, email).toBe('write to [EMAIL], thanks');
      expect(result.counts).toEqual({ email: 1 });
    }
  });

  it('masks phone numbers of GB, US, DE, TR and FR in national and international format (libphonenumber-js)', () => {
    for (const phone of PHONES) {
      const national = new Redactor({ phoneCountries: [phone.country] }).redact('t', `call ${phone.national} today`);
      expect(national.text, `${phone.country} national ${phone.national}`).toBe('call [PHONE] today');
      // International format is found whatever the default country.
      const international = new Redactor({ phoneCountries: ['US'] }).redact('t', `or ${phone.international}.`);
      expect(international.text, `${phone.country} international ${phone.international}`).toBe('or [PHONE].');
    }
  });

  it('finds every number in a dense, comma-separated list across several countries', () => {
    const list = PHONES.flatMap((phone) => [phone.national, phone.international]).join(', ');
    const result = redactor.redact('t', `numbers: ${list}.`);
    expect(result.counts.phone).toBe(PHONES.length * 2);
    expect(result.text).toBe(
      `numbers: ${Array(PHONES.length * 2)
        .fill('[PHONE]')
        .join(', ')}.`,
    );
  });

  it('masks Luhn-valid cards of several brands with spaces, dashes or none, and leaves a non-Luhn 16-digit number alone', () => {
    for (const card of CARDS) {
      expect(luhnValid(card.replace(/\D/g, '')), card).toBe(true);
      expect(redactor.redact('t', `paid with ${card} yesterday`).text, card).toBe('paid with [CARD] yesterday');
    }
    const notACard = '4111 1111 1111 1112';
    expect(luhnValid(notACard.replace(/\D/g, ''))).toBe(false);
    expect(redactor.redact('t', `reference ${notACard}`).text).toBe(`reference ${notACard}`);
    expect(redactor.redact('t', 'order 1234567812345678 shipped').text).toBe('order 1234567812345678 shipped');
    // A card next to another number is still found.
    expect(redactor.redact('t', 'card 4111 1111 1111 1111 2024').text).toBe('card [CARD] 2024');
  });

  it('masks mod-97-valid IBANs of several countries, grouped or compact; a wrong check digit is left alone', () => {
    for (const iban of IBANS) {
      expect(ibanValid(iban.replace(/ /g, '')), iban).toBe(true);
      const result = redactor.redact('t', `IBAN: ${iban} please`);
      expect(result.text, iban).toBe('IBAN: [IBAN] please');
      expect(result.counts).toEqual({ iban: 1 });
    }
    const wrong = 'GB83 WEST 1234 5698 7654 32';
    expect(ibanValid(wrong.replace(/ /g, ''))).toBe(false);
    expect(redactor.redact('t', `IBAN ${wrong}`).counts.iban).toBeUndefined();
  });

  it('masks IPv4 and IPv6 addresses (checked with node:net isIP), not versions, times or C++ scopes', () => {
    for (const ip of IPS) expect(redactor.redact('t', `from ${ip} again`).text, ip).toBe('from [IP] again');
    expect(redactor.redact('t', 'connect to 10.0.0.1:8080').text).toBe('connect to [IP]:8080');
    const harmless = 'at 10:30 on 2024-01-15, version 1.2.3, std::vector, 999.1.1.1 and order 12345';
    expect(redactor.redact('t', harmless)).toEqual({ text: harmless, counts: {} });
  });

  it('leaves dates with times alone, in every phone country (2026-06-20 19:30 is no phone number)', () => {
    const everywhere = new Redactor({ phoneCountries: ['US', 'GB', 'DE', 'TR', 'FR'] });
    for (const text of ['booked for 2026-06-20 19:30', 'time "2026-06-20 20:00"', 'on 20.06.2026 19:30:05 sharp', 'at 2026-06-20T19:30']) {
      expect(everywhere.redact('t', text), text).toEqual({ text, counts: {} });
    }
    // A phone number beside a date is still found.
    expect(everywhere.redact('t', `call +44 20 7946 0958 on 2026-06-20 19:30`).text).toBe('call [PHONE] on 2026-06-20 19:30');
  });

  it('counts per type in a mixed message', () => {
    const text = `I'm ${EMAILS[0]}, ${PHONES[0]?.international}, card ${CARDS[0]}, IBAN ${IBANS[0]}, from ${IPS[0]} and ${IPS[2]}`;
    const result = redactor.redact('t', text);
    expect(result.counts).toEqual({ email: 1, phone: 1, card: 1, iban: 1, ip: 2 });
    expect(result.text).toBe("I'm [EMAIL], [PHONE], card [CARD], IBAN [IBAN], from [IP] and [IP]");
  });
});

describe('PII redaction: styles and policies', () => {
  it('partial masks keep a hint but never the value', () => {
    const partial = new Redactor({ style: 'partial', phoneCountries: ['GB'] });
    expect(partial.redact('t', 'j.doe@example.com').text).toBe('j***@example.com');
    expect(partial.redact('t', '4111 1111 1111 1111').text).toBe('**** **** **** 1111');
    expect(partial.redact('t', 'call 020 7946 0958').text).toBe('call *** **** **58');
    expect(partial.redact('t', 'GB82 WEST 1234 5698 7654 32').text).toBe('GB** **** **** **** **54 32');
    expect(partial.redact('t', 'from 192.168.1.20').text).toBe('from 192.*.*.*');
  });

  it('keyed hash tokens are stable per tenant and value (joinable), differ across tenants and keys', () => {
    const hashed = new Redactor({ style: 'hash', hashKey: 'k'.repeat(32), phoneCountries: ['GB'] });
    const a = hashed.redact('acme', 'mail John.Doe@Example.com');
    const b = hashed.redact('acme', 'again john.doe@example.com');
    expect(a.text).toMatch(/^mail \[EMAIL:[0-9a-f]{12}\]$/);
    expect(a.text.slice(5)).toBe(b.text.slice(6));
    // The same number written two ways is one token (E.164 is hashed).
    expect(hashed.redact('acme', '020 7946 0958').text).toBe(hashed.redact('acme', '+44 20 7946 0958').text);
    expect(hashed.redact('globex', 'john.doe@example.com').text).not.toBe(a.text.slice(5));
    const otherKey = new Redactor({ style: 'hash', hashKey: 'q'.repeat(32) });
    expect(otherKey.redact('acme', 'john.doe@example.com').text).not.toBe(a.text.slice(5));
  });

  it('per tenant: which types, which style, or off; null returns to the default', () => {
    const r = new Redactor();
    const text = 'mail a@example.com from 192.168.1.20';
    r.setTenantPolicy('only-email', { types: ['email'] });
    r.setTenantPolicy('none', { enabled: false });
    r.setTenantPolicy('partial', { style: 'partial' });
    expect(r.redact('default', text).text).toBe('mail [EMAIL] from [IP]');
    expect(r.redact('only-email', text).text).toBe('mail [EMAIL] from 192.168.1.20');
    expect(r.redact('none', text)).toEqual({ text, counts: {} });
    expect(r.redact('partial', text).text).toBe('mail a***@example.com from 192.*.*.*');
    r.setTenantPolicy('none', null);
    expect(r.redact('none', text).text).toBe('mail [EMAIL] from [IP]');
  });

  it('redacts strings inside JSON values (facts), and not when the policy leaves facts out', () => {
    const r = new Redactor();
    expect(r.redactJson('t', { primary: 'a@example.com', backup: ['b@example.com', 3] })).toEqual({
      value: { primary: '[EMAIL]', backup: ['[EMAIL]', 3] },
      counts: { email: 2 },
    });
    r.setTenantPolicy('keep', { facts: false });
    expect(r.redactJson('keep', 'a@example.com').value).toBe('a@example.com');
  });

  it('refuses a bad policy with INVALID_CONFIG: unknown type, style, country, a hash style without a key', async () => {
    const r = new Redactor();
    await expectStrataError(async () => r.setTenantPolicy('t', { types: ['ssn' as never] }), 'INVALID_CONFIG');
    await expectStrataError(async () => r.setTenantPolicy('t', { style: 'blur' as never }), 'INVALID_CONFIG');
    await expectStrataError(async () => r.setTenantPolicy('t', { phoneCountries: ['XX' as never] }), 'INVALID_CONFIG');
    await expectStrataError(async () => r.setTenantPolicy('t', { style: 'hash' }), 'INVALID_CONFIG');
    expect(r.policyFor('t').style).toBe('tag');
  });
});
