// Runs the CLI from source (`node --import tsx src/cli/run.ts …`), as the tests do; the installed bin uses the bundle in dist/bundle.
import { main } from './main.js';
await main(process.argv);
