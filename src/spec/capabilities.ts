/** What a store can do natively; core fills the gaps (fusion, reranking) once. */
export interface StoreCapabilities {
  readonly supportsKeywordSearch: boolean;
  readonly supportsVectorIndex: boolean;
  readonly supportsTransactions: boolean;
  /** Largest text (in characters) a memory or message may hold. */
  readonly maxTextLength: number;
}
