// What the bot makes at start that must be closed again, in the order it was made. A failure part
// way through start closes what was made so far, and shutdown closes everything, each in reverse:
// nothing is closed while something made after it may still use it, and nothing is left open.
import { errorText } from "../domain/errors.js";
import type { Logger } from "../services/ports.js";

interface Entry {
  readonly name: string;
  readonly close: () => unknown;
}

export class CleanupList {
  private readonly entries: Entry[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers what was just made; `name` says what it is in a log line should closing it fail. */
  add(name: string, close: () => unknown): void {
    this.entries.push({ name, close });
  }

  /** The current end of the list, for closeDownTo. */
  mark(): number {
    return this.entries.length;
  }

  /** Closes, newest first, what was added after `mark`; a failure is logged and the rest still close. */
  async closeDownTo(mark: number): Promise<void> {
    while (this.entries.length > mark) {
      const entry = this.entries.pop() as Entry;
      try {
        await entry.close();
      } catch (error) {
        this.logger.error({ err: errorText(error) }, `closing ${entry.name} failed`);
      }
    }
  }

  closeAll(): Promise<void> {
    return this.closeDownTo(0);
  }

  /** Runs the rest of a start: on a failure, closes everything made so far before passing it on. */
  async unlessFails<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.closeAll();
      throw error;
    }
  }
}
