/** The error the person or the model can fix: it becomes an `isError` tool result, never a throw. */
export class UserError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "UserError";
  }
}
