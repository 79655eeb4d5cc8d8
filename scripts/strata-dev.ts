// Runs the CLI from source (npx tsx scripts/strata-dev.ts <command>), without a build.
import { main } from '../src/cli/main.js';

main(process.argv).catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
