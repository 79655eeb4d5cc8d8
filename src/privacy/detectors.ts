import { isIP } from 'node:net';
import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js/max';
import { ibanValid, luhnValid } from './checksums.js';
import type { PiiSpan } from './pii-types.js';

const EMAIL = /[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/g;

export function findEmails(text: string): PiiSpan[] {
  if (!text.includes('@')) return [];
  return [...text.matchAll(EMAIL)].map((m) => span(m.index, m.index + m[0].length, 'email', m[0].toLowerCase()));
}

/** Runs of 13 to 19 digits, optionally grouped by single spaces or dashes. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,40}(?!\d)/g;

/** Payment card numbers: 13-19 digits, an issuer prefix (2-6), Luhn-valid; groups may be split by spaces or dashes. */
export function findCards(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    // A run may hold a card beside another number: try sub-runs that start and end at group boundaries, longest first.
    const groups = [...m[0].matchAll(/\d+/g)].map((g) => ({ start: g.index, end: g.index + g[0].length }));
    let first = 0;
    while (first < groups.length) {
      let found = -1;
      for (let last = groups.length - 1; last >= first && found < 0; last--) {
        const start = (groups[first] as { start: number }).start;
        const end = (groups[last] as { end: number }).end;
        const digits = m[0].slice(start, end).replace(/\D/g, '');
        if (digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits)) {
          out.push(span(m.index + start, m.index + end, 'card', digits));
          found = last;
        }
      }
      first = found >= 0 ? found + 1 : first + 1;
    }
  }
  return out;
}

const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}/g;

/** IBANs, compact or in groups of four, with the country's length and valid mod-97 check digits. */
export function findIbans(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of text.matchAll(IBAN_CANDIDATE)) {
    // Take characters up to each space-separated group end; keep the longest valid prefix.
    let compact = '';
    let best: PiiSpan | null = null;
    for (let i = 0; i < m[0].length; i++) {
      const char = m[0][i] as string;
      if (char !== ' ') compact += char;
      const atBoundary = i === m[0].length - 1 || m[0][i + 1] === ' ';
      if (atBoundary && compact.length >= 15 && ibanValid(compact)) best = span(m.index, m.index + i + 1, 'iban', compact);
    }
    if (best && !/[A-Za-z0-9]/.test(text[best.end] ?? '')) out.push(best);
  }
  return out;
}

const IPV4_CANDIDATE = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d)/g;
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![\w])/g;

/** IPv4 and IPv6 addresses: candidates checked with node:net isIP. */
export function findIps(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  if (text.includes('.')) {
    for (const m of text.matchAll(IPV4_CANDIDATE)) if (isIP(m[0]) === 4) out.push(span(m.index, m.index + m[0].length, 'ip', m[0]));
  }
  if (text.includes(':')) {
    for (const m of text.matchAll(IPV6_CANDIDATE)) {
      const candidate = m[0].replace(/[.:]+$/, (tail) => (tail.startsWith('::') ? '::' : ''));
      if ((candidate.match(/:/g)?.length ?? 0) < 2 || !/\d/.test(candidate) || isIP(candidate) !== 6) continue;
      out.push(span(m.index, m.index + candidate.length, 'ip', canonicalIpv6(candidate)));
    }
  }
  return out;
}

/** Dates and times that national number plans would accept as numbers (2024-01-15, 15.01.2024). */
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;
/**
 * Dates with an optional time anywhere in a text (2026-06-20 19:30, 20.06.2026 19:30:05): a phone
 * candidate overlapping one is not a phone number. Found in the whole text, because a run of
 * phone characters stops at the colon and would see only "2026-06-20 19".
 */
const DATE_TIME = /(?<!\d)(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?!\d)/g;

/** A run of digits with the separators phone numbers are written with (no commas or semicolons: they separate numbers). */
const PHONE_RUN = /\+?\(?\d[\d ()./\u2013-]{5,}\d/g;

/**
 * Phone numbers with libphonenumber-js (full metadata): international format always, national
 * formats of `countries`. The finder reads only the runs of digits and separators that hold 7
 * digits or more: most text has none, and a dense list ("555-2671, 030 1234...") read whole is
 * one candidate to the finder, which then misses the numbers after the first.
 */
export function findPhones(text: string, countries: readonly CountryCode[]): PiiSpan[] {
  const out: PiiSpan[] = [];
  let dates: Array<readonly [number, number]> | null = null;
  const inDate = (start: number, end: number): boolean => {
    dates ??= [...text.matchAll(DATE_TIME)].map((m) => [m.index, m.index + m[0].length] as const);
    return dates.some(([from, to]) => start < to && from < end);
  };
  for (const run of text.matchAll(PHONE_RUN)) {
    if (!hasDigits(run[0], 7) || DATE_LIKE.test(run[0].trim())) continue;
    for (const country of countries.length > 0 ? countries : [undefined]) {
      for (const found of findPhoneNumbersInText(run[0], country === undefined ? {} : { defaultCountry: country })) {
        if (DATE_LIKE.test(run[0].slice(found.startsAt, found.endsAt))) continue;
        if (inDate(run.index + found.startsAt, run.index + found.endsAt)) continue;
        out.push(span(run.index + found.startsAt, run.index + found.endsAt, 'phone', found.number.number));
      }
    }
  }
  return out;
}

/** At least `n` ASCII digits: fewer than 7 cannot be a phone number, so most text skips the parser. */
function hasDigits(text: string, n: number): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57 && ++digits >= n) return true;
  }
  return false;
}

function canonicalIpv6(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

function span(start: number, end: number, type: PiiSpan['type'], canonical: string): PiiSpan {
  return { start, end, type, canonical };
}
