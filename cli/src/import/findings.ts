/**
 * What an import found besides the addresses it adopts: conflicts (the import stops, nothing is
 * written) and notes (something netpipe does differently from the manifests, said once).
 */
export interface Conflict {
  /** The resource to fix: `Kind namespace/name (file)`. */
  resource: string;
  /** Where in it, when one field is the cause. */
  field?: string;
  /** What is wrong and what to do about it. */
  problem: string;
}

export interface Note {
  resource: string;
  message: string;
}

export class Findings {
  readonly conflicts: Conflict[] = [];
  readonly notes: Note[] = [];

  conflict(resource: string, problem: string, field?: string): void {
    this.conflicts.push(field === undefined ? { resource, problem } : { resource, field, problem });
  }

  note(resource: string, message: string): void {
    this.notes.push({ resource, message });
  }
}
