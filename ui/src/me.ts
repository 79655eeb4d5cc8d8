import { createContext } from 'preact';
import type { Whoami } from './types.js';

/** The signed-in key: its tenant and scopes (the pages offer edit and forget only with `write`). */
export const MeContext = createContext<Whoami>({ tenantId: '', keyId: '', scopes: [] });
