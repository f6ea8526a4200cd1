// The part of js-yaml (cosmiconfig's YAML parser, a dependency of core) the desired-state file
// reader uses; js-yaml ships no types of its own.

declare module 'js-yaml' {
  export interface LoadState {
    readonly line: number;
    readonly result: unknown;
  }
  export interface LoadOptions {
    filename?: string;
    json?: boolean;
    listener?: (event: 'open' | 'close', state: LoadState) => void;
  }
  export class YAMLException extends Error {
    readonly reason: string;
    readonly mark?: { readonly line: number; readonly column: number };
  }
  export function load(text: string, options?: LoadOptions): unknown;
  const yaml: { load: typeof load; YAMLException: typeof YAMLException };
  export default yaml;
}
