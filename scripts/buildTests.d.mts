/** dist/test, where the test files are bundled. */
export declare const testBundleDir: string;
/** Bundles test files (relative to the project, under test/) into dist/test; returns the bundled files in order. */
export declare function buildTests(files: string[]): Promise<string[]>;
