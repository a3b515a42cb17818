/** The compiled CLI module that bin/gatehouse.js imports; its time is the time of the build. */
export declare const distMain: string;
/** Why dist/ cannot be used as it is (a sentence), or undefined when it was built after every input last changed. */
export declare function staleDist(): string | undefined;
/** Builds dist/ when it is stale (see staleDist); throws when the compiler fails. */
export declare function ensureDist(log?: (line: string) => void): void;
