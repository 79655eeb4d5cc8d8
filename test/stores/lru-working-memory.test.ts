import { LruWorkingMemory } from '../../src/stores/in-process/lru-working-memory.js';
import { workingMemoryConformance } from '../../src/testing/working-memory-conformance.js';

workingMemoryConformance('in-process (lru-cache)', {
  create: async () => {
    const working = new LruWorkingMemory();
    await working.open();
    return { working, cleanup: () => working.close() };
  },
});
