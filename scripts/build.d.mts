/** dist/bundle, where the build writes. */
export declare const bundleDir: string;
/** The packages bundled with our sources; the other dependencies stay in node_modules. */
export declare const bundled: string[];
/** The packages of `names` that stay in node_modules (with their subpaths), for esbuild's `external`. */
export declare function notBundled(names: string[]): string[];
/** The esbuild options of every bundle of ours. */
export declare const bundleOptions: Record<string, unknown>;
/** Builds dist/bundle; returns esbuild's metafile. */
export declare function buildBundle(): Promise<unknown>;
/** `js` with every character above U+00FF written as a `\uXXXX` escape (the same program, Latin-1 text). */
export declare function latin1Only(js: string): string;
