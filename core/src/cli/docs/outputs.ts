// The files generated from the command definitions (man pages, bash completion): their names and
// shape. A leaf, so the command that installs them needs no import of the generators.

export interface GeneratedFile {
  /** Relative to the package directory (core/). */
  readonly path: string;
  readonly content: string;
}

export const MAN_PAGES = ['man/mdevctl.8', 'man/lsmdev.8'] as const;
export const COMPLETION_FILE = 'completion/mdevctl.bash';
