import type { CountryCode } from 'libphonenumber-js';

/** The kinds of personal data the redactor finds. */
export const PII_TYPES = ['email', 'phone', 'card', 'iban', 'ip'] as const;
export type PiiType = (typeof PII_TYPES)[number];

/**
 * How a match is masked:
 * - `tag`: `[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`, `[IP]`;
 * - `partial`: a readable hint, e.g. `j***@example.com`, `**** **** **** 1111`, `*** **** **58`;
 * - `hash`: a keyed token per tenant, e.g. `[EMAIL:3f9a0c1d2e4b]`: the same value gives the same
 *   token in one tenant (joinable, searchable by keyword), and nothing without the key.
 */
export const MASK_STYLES = ['tag', 'partial', 'hash'] as const;
export type MaskStyle = (typeof MASK_STYLES)[number];

export interface RedactionPolicy {
  /** false: nothing is redacted for this tenant. */
  readonly enabled: boolean;
  readonly types: readonly PiiType[];
  readonly style: MaskStyle;
  /** Countries whose national formats are recognised (numbers in + international format always are). */
  readonly phoneCountries: readonly CountryCode[];
  /** Secret for the `hash` style (at least 16 characters). */
  readonly hashKey?: string | undefined;
  /** Redact string values of facts too (default true). */
  readonly facts: boolean;
}

export const DEFAULT_REDACTION_POLICY: RedactionPolicy = {
  enabled: true,
  types: PII_TYPES,
  style: 'tag',
  phoneCountries: ['US'],
  facts: true,
};

/** Matches found per type. */
export type RedactionCounts = Partial<Record<PiiType, number>>;

export interface Redaction {
  readonly text: string;
  readonly counts: RedactionCounts;
}

/** One match: where it is, what it is, and its canonical value (for hashing). */
export interface PiiSpan {
  readonly start: number;
  readonly end: number;
  readonly type: PiiType;
  readonly canonical: string;
}
