/** Every .ts file under `dir` except tests, sorted. */
export function engineSources(dir: string): string[];
/** A content hash (12 hex) of `repo`'s engine sources and package-lock.json. */
export function sourceHash(repo: string): string;
