// Runs the CLI from source without a build (`node --import tsx src/cli/run.ts …`); the installed bin and the tests
// run the bundle in dist/bundle.
import { main } from './main.js';
await main(process.argv);
