/** A pattern in a rule that does not compile; `path` locates it inside the rule's `match`. */
export class PatternError extends Error {
  readonly path: ReadonlyArray<string | number>;

  constructor(path: ReadonlyArray<string | number>, message: string) {
    super(message);
    this.path = path;
  }
}
